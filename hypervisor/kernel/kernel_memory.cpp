#include "hypervisor/kernel/kernel_memory.hpp"

#include <new>

#include "lib/assert.hpp"

namespace keel {

KernelMemory::KernelMemory(PageSource& upstream, uint64_t limit) : KernelMemory(upstream, nullptr, limit) {}

KernelMemory::KernelMemory(PageSource& upstream, KernelMemory* parent, uint64_t limit)
    : upstream_(upstream), parent_(parent),
      limit_(limit), classes_{{*this, 64, ALIGN},   {*this, 128, ALIGN},  {*this, 256, ALIGN},    {*this, 512, ALIGN},
                              {*this, 1024, ALIGN}, {*this, 2048, ALIGN}, {*this, LARGEST, ALIGN}} {}

KernelMemory* KernelMemory::create(KernelMemory& parent, uint64_t limit) {
    void* p = parent.allocate<KernelMemory>();
    if (!p) return nullptr;
    // Reserved after the object itself: the parent pays for both.
    if (limit == ALL_LEFT) limit = parent.available();
    if (limit > parent.available()) {
        parent.free(p);
        return nullptr;
    }
    parent.used_ += limit;
    return new (p) KernelMemory(parent.upstream_, &parent, limit);
}

KernelMemory::~KernelMemory() {
    for (SlabCache& c : classes_) c.release_empty();
}

SlabCache& KernelMemory::cache_for(size_t size) {
    KEEL_ASSERT(size <= LARGEST);
    size_t i = 0;
    for (size_t c = SMALLEST; i + 1 < CLASSES && c < size; c <<= 1) ++i;
    return classes_[i];
}

void* KernelMemory::allocate(size_t size) { return cache_for(size).allocate(); }

void KernelMemory::free(void* object) {
    SlabCache& cache = SlabCache::owner(object);
    // Another memory's object: that memory would never learn it went (an
    // orphaned one would never give its quota back) and this one would.
    KEEL_ASSERT(cache.draws_from(*this));
    cache.free(object);
    if (orphaned_) collect(this);
}

void* KernelMemory::allocate_page() {
    if (used_ >= limit_) return nullptr;
    void* page = upstream_.allocate_page();
    if (page) ++used_;
    return page;
}

void* KernelMemory::allocate_pages(size_t count) {
    if (count > limit_ - used_) return nullptr;
    void* pages = upstream_.allocate_pages(count);
    if (pages) used_ += count;
    return pages;
}

void KernelMemory::free_page(void* page) {
    KEEL_ASSERT(used_ > 0);
    --used_;
    upstream_.free_page(page);
}

size_t KernelMemory::objects_in_use() const {
    size_t n = 0;
    for (const SlabCache& c : classes_) n += c.objects_in_use();
    return n;
}

bool KernelMemory::drained() const {
    if (objects_in_use()) return false;
    uint64_t slabs = 0;
    for (const SlabCache& c : classes_) slabs += c.pages_in_use();
    return used_ == slabs;  // no whole page, no child's quota
}

void KernelMemory::orphan() {
    KEEL_ASSERT(parent_ && !orphaned_);
    orphaned_ = true;
    collect(this);
}

void KernelMemory::collect(KernelMemory* m) {
    while (m && m->orphaned_ && m->drained()) {
        KernelMemory* parent = m->parent_;
        uint64_t quota = m->limit_;
        for (SlabCache& c : m->classes_) c.release_empty();
        KEEL_ASSERT(m->used_ == 0);  // drained: nothing but empty slabs was left
        m->~KernelMemory();
        parent->used_ -= quota;
        SlabCache::owner(m).free(m);
        m = parent;
    }
}

}  // namespace keel
