// Kernel objects come from slab caches, one per object type, whose pages
// come from a page source (the frame allocator in the kernel, the heap in
// host tests): how many PDs, ECs or portals exist is bounded by memory, not
// by arrays sized at build time. Each page starts with its slab's header,
// so freeing an object finds its slab without a search.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel {

class PageSource {
public:
    // A zeroed, 4 KiB-aligned page, or nullptr when memory is exhausted.
    virtual void* allocate_page() = 0;
    // `count` zeroed pages at consecutive physical addresses, for what the
    // hardware reads as one block (SVM's MSR permission map), or nullptr.
    // Each is given back on its own.
    virtual void* allocate_pages(size_t count) = 0;
    virtual void free_page(void* page) = 0;

protected:
    ~PageSource() = default;
};

class SlabCache {
public:
    static constexpr size_t PAGE = 4096;

    // Objects of `size` bytes aligned to `align` (a power of two, at most 64).
    SlabCache(PageSource& pages, size_t size, size_t align);
    SlabCache(const SlabCache&) = delete;
    SlabCache& operator=(const SlabCache&) = delete;

    // Uninitialised memory for one object, or nullptr when the page source
    // has none left.
    void* allocate();
    // Returns an object of this cache; freeing anything else, or twice, is a
    // kernel bug and fails an assertion.
    void free(void* object);
    // The cache an object of some cache came from (its page's header).
    static SlabCache& owner(void* object);
    // Gives the page source back the slabs that hold no object (the cache
    // keeps one for the next allocation otherwise).
    void release_empty();

    bool draws_from(const PageSource& source) const { return &source_ == &source; }
    size_t objects_per_page() const { return per_page_; }
    size_t objects_in_use() const { return in_use_; }
    size_t pages_in_use() const { return pages_; }

private:
    struct Slab;
    Slab* grow();
    void unlink(Slab* s);
    void push_partial(Slab* s);

    PageSource& source_;
    size_t size_, first_, per_page_;
    Slab* partial_ = nullptr;  // slabs with at least one free object
    size_t in_use_ = 0, pages_ = 0;
};

}  // namespace keel
