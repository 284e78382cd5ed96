#include "hypervisor/kernel/slab.hpp"

#include "lib/assert.hpp"

namespace keel {

// At the start of every page of the cache.
struct SlabCache::Slab {
    SlabCache* cache;  // owner: freeing into another cache is caught
    Slab *next, *prev;  // in the partial list while it has free objects
    void* free_list;  // free objects, each holding the next one's address
    size_t in_use;
    bool listed;
};

namespace {

size_t round_up(size_t n, size_t align) { return (n + align - 1) & ~(align - 1); }

}  // namespace

SlabCache::SlabCache(PageSource& pages, size_t size, size_t align)
    : source_(pages), size_(round_up(size < sizeof(void*) ? sizeof(void*) : size, align)),
      first_(round_up(sizeof(Slab), align)), per_page_((PAGE - first_) / size_) {
    KEEL_ASSERT(align && (align & (align - 1)) == 0 && align <= 64);
    KEEL_ASSERT(per_page_ >= 1);
}

SlabCache::Slab* SlabCache::grow() {
    auto* page = static_cast<uint8_t*>(source_.allocate_page());
    if (!page) return nullptr;
    KEEL_ASSERT((reinterpret_cast<uintptr_t>(page) & (PAGE - 1)) == 0);
    auto* s = reinterpret_cast<Slab*>(page);
    *s = {this, nullptr, nullptr, nullptr, 0, false};
    // Thread the free list through the objects, first object first.
    for (size_t i = per_page_; i-- > 0;) {
        void** object = reinterpret_cast<void**>(page + first_ + i * size_);
        *object = s->free_list;
        s->free_list = object;
    }
    ++pages_;
    push_partial(s);
    return s;
}

void SlabCache::push_partial(Slab* s) {
    s->prev = nullptr;
    s->next = partial_;
    if (partial_) partial_->prev = s;
    partial_ = s;
    s->listed = true;
}

void SlabCache::unlink(Slab* s) {
    if (s->prev)
        s->prev->next = s->next;
    else
        partial_ = s->next;
    if (s->next) s->next->prev = s->prev;
    s->next = s->prev = nullptr;
    s->listed = false;
}

void* SlabCache::allocate() {
    Slab* s = partial_ ? partial_ : grow();
    if (!s) return nullptr;
    void** object = static_cast<void**>(s->free_list);
    KEEL_ASSERT(object);
    s->free_list = *object;
    ++s->in_use;
    ++in_use_;
    if (!s->free_list) unlink(s);  // full: found again through its objects when one is freed
    return object;
}

SlabCache& SlabCache::owner(void* object) {
    auto* s = reinterpret_cast<Slab*>(reinterpret_cast<uintptr_t>(object) & ~uintptr_t(PAGE - 1));
    KEEL_ASSERT(object && s->cache);
    return *s->cache;
}

void SlabCache::release_empty() {
    for (Slab* s = partial_; s;) {
        Slab* next = s->next;
        if (s->in_use == 0) {
            unlink(s);
            s->cache = nullptr;
            --pages_;
            source_.free_page(s);
        }
        s = next;
    }
}

void SlabCache::free(void* object) {
    auto address = reinterpret_cast<uintptr_t>(object);
    auto* s = reinterpret_cast<Slab*>(address & ~uintptr_t(PAGE - 1));
    KEEL_ASSERT(object && s->cache == this);
    KEEL_ASSERT((address - reinterpret_cast<uintptr_t>(s)) >= first_ &&
                (address - reinterpret_cast<uintptr_t>(s) - first_) % size_ == 0);
    for (void* f = s->free_list; f; f = *static_cast<void**>(f)) KEEL_ASSERT(f != object);  // a double free
    KEEL_ASSERT(s->in_use > 0);
    *static_cast<void**>(object) = s->free_list;
    s->free_list = object;
    --s->in_use;
    --in_use_;
    if (!s->listed) push_partial(s);
    // An empty slab goes back to the page source unless it is the only one
    // with free objects (the next allocation would take a page again).
    if (s->in_use == 0 && (s->next || s->prev)) {
        unlink(s);
        s->cache = nullptr;
        --pages_;
        source_.free_page(s);
    }
}

}  // namespace keel
