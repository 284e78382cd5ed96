#include "hypervisor/kernel/object_space.hpp"

#include "lib/assert.hpp"

namespace keel {

Capability* ObjectSpace::slot(abi::Selector sel, bool create) {
    if (sel >= SELECTORS) return nullptr;
    Capability*& page = table_[sel / SLOTS_PER_PAGE];
    if (!page) {
        if (!create) return nullptr;
        void* memory = pages_.allocate_page();
        if (!memory) return nullptr;
        page = static_cast<Capability*>(memory);
        for (size_t i = 0; i < SLOTS_PER_PAGE; ++i) {
            page[i] = Capability{};
            page[i].space = this;
            page[i].selector = (sel / SLOTS_PER_PAGE) * SLOTS_PER_PAGE + i;
        }
    }
    return &page[sel % SLOTS_PER_PAGE];
}

void ObjectSpace::removed(MdbNode& node) {
    auto& cap = static_cast<Capability&>(node);
    KEEL_ASSERT(!cap.empty() && cap.object->capabilities > 0);
    Kobject* object = cap.object;
    cap.object = nullptr;
    cap.perms = 0;
    object->release();
}

Capability* ObjectSpace::lookup(abi::Selector sel, abi::ObjectType type, uint8_t perms) {
    Capability* c = slot(sel, false);
    if (!c || c->empty() || c->object->type != type || (c->perms & perms) != perms) return nullptr;
    return c;
}

size_t ObjectSpace::revoke_all() {
    size_t removed = 0;
    for (auto* page : table_)
        for (size_t i = 0; page && i < SLOTS_PER_PAGE; ++i)
            if (!page[i].empty()) removed += mdb::revoke(page[i], false);
    return removed;
}

ObjectSpace::~ObjectSpace() {
    for (auto*& page : table_) {
        if (!page) continue;
        for (size_t i = 0; i < SLOTS_PER_PAGE; ++i) KEEL_ASSERT(page[i].empty());
        pages_.free_page(page);
        page = nullptr;
    }
}

}  // namespace keel
