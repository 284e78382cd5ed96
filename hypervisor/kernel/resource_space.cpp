#include "hypervisor/kernel/resource_space.hpp"

#include <new>

#include "lib/assert.hpp"

namespace keel {
namespace {

// Every RangeNode in a memory space's tree is a ResourceMapping's.
ResourceMapping& mapping_of(RangeNode* n) { return static_cast<ResourceMapping&>(*n); }

}  // namespace

ResourceMapping* ResourceSpace::make(uint64_t page, uint64_t frame, uint64_t count) {
    void* memory = nodes_.allocate<ResourceMapping>();
    if (!memory) return nullptr;
    auto* m = new (memory) ResourceMapping;
    m->space = this;
    m->base = page;
    m->count = count;
    m->frame = frame;
    return m;
}

abi::Status ResourceSpace::grant_root(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) {
    if (!in_range(page, count) || frame + count < frame || (perms & abi::perm::ALL) == 0 ||
        (identity_ && frame != page))
        return abi::Status::BadParameter;
    if (tree_.find_overlap(page, count)) return abi::Status::Busy;
    ResourceMapping* m = make(page, frame, count);
    if (!m) return abi::Status::OutOfMemory;
    m->perms = perms & abi::perm::ALL;
    if (!hw_.map(page, frame, count, m->perms)) {
        nodes_.free(m);
        return abi::Status::OutOfMemory;
    }
    KEEL_ASSERT(tree_.insert(*m));
    return abi::Status::Success;
}

abi::Status ResourceSpace::delegate(ResourceSpace& to, uint64_t page, uint64_t count, uint64_t to_page, uint8_t perms) {
    if (!in_range(page, count) || !to.in_range(to_page, count)) return abi::Status::BadParameter;
    if (to.identity_ != identity_ || (identity_ && to_page != page)) return abi::Status::BadParameter;
    RangeNode* src = tree_.find(page);
    if (!src) return abi::Status::BadCapability;  // this space does not hold it
    if (count > src->count - (page - src->base)) return abi::Status::BadParameter;  // runs past the mapping
    ResourceMapping& from = mapping_of(src);
    uint8_t granted = from.perms & perms & abi::perm::ALL;
    if (granted == 0) return abi::Status::BadParameter;
    if (to.tree_.find_overlap(to_page, count)) return abi::Status::Busy;
    ResourceMapping* m = to.make(to_page, from.frame + (page - src->base), count);
    if (!m) return abi::Status::OutOfMemory;
    mdb::link(from, *m, granted);
    if (!to.hw_.map(to_page, m->frame, count, m->perms)) {
        mdb::revoke(*m, false);  // unlinks and frees it, through removed()
        return abi::Status::OutOfMemory;
    }
    KEEL_ASSERT(to.tree_.insert(*m));
    return abi::Status::Success;
}

abi::Status ResourceSpace::revoke(uint64_t page, uint64_t count, uint8_t perms, bool children_only) {
    if (!in_range(page, count)) return abi::Status::BadParameter;
    // Every mapping in the range must lie within it: a partial revoke would
    // need a split, and revoking more than was named would surprise.
    for (uint64_t at = page; at < page + count;) {
        RangeNode* n = tree_.find_overlap(at, page + count - at);
        if (!n) break;
        if (n->base < page || n->count > page + count - n->base) return abi::Status::BadParameter;
        at = n->base + n->count;
    }
    bool remove = (perms & abi::perm::ALL) == abi::perm::ALL;
    for (uint64_t at = page; at < page + count;) {
        RangeNode* n = tree_.find_overlap(at, page + count - at);
        if (!n) break;
        uint64_t next = n->base + n->count;
        ResourceMapping& m = mapping_of(n);
        if (remove)
            mdb::revoke(m, children_only);
        else
            mdb::reduce(m, perms, children_only);
        at = next;
    }
    return abi::Status::Success;
}

const ResourceMapping* ResourceSpace::lookup(uint64_t page) const {
    RangeNode* n = tree_.find(page);
    return n ? &mapping_of(n) : nullptr;
}

void ResourceSpace::reduced(MdbNode& node) {
    auto& m = static_cast<ResourceMapping&>(node);
    hw_.protect(m.base, m.count, m.perms);
}

void ResourceSpace::removed(MdbNode& node) {
    auto& m = static_cast<ResourceMapping&>(node);
    KEEL_ASSERT(m.space == this);
    if (tree_.find(m.base) == static_cast<RangeNode*>(&m)) {
        tree_.remove(m);
        hw_.unmap(m.base, m.count);
    }
    m.~ResourceMapping();
    nodes_.free(&m);
}

ResourceSpace::~ResourceSpace() {
    while (RangeNode* n = tree_.find_overlap(first_, end_ - first_)) mdb::revoke(mapping_of(n), false);
}

}  // namespace keel
