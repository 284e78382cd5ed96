// The kernel memory a PD may use: its quota (at most `limit` pages of the
// kernel's pool, reserved from the memory of the PD it was made from) and
// the slab caches its objects come from. Everything the kernel allocates
// because of a PD comes from the PD's memory: the objects made with it as
// owner (PDs, ECs with their UTCBs and VMCBs, SCs, portals, semaphores),
// the memory of the PDs made from it, its page tables and permission
// bitmaps, its object space's pages and its mapping nodes. A PD that makes
// objects until none are left exhausts its own quota, never the pool, and
// the PD that gave it the quota gets all of it back when it goes.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/kernel/slab.hpp"

namespace keel {

class KernelMemory final : public PageSource {
public:
    // Objects come in size classes of 64 bytes to almost a page.
    static constexpr size_t CLASSES = 7, SMALLEST = 64, LARGEST = 4032, ALIGN = 64;

    // The kernel's own: up to `limit` pages of `upstream` (the frame pool).
    KernelMemory(PageSource& upstream, uint64_t limit);
    ~KernelMemory();  // gives back the empty slabs it keeps
    KernelMemory(const KernelMemory&) = delete;
    KernelMemory& operator=(const KernelMemory&) = delete;

    // A new PD's memory, `limit` pages reserved from `parent` (the PD's
    // owner), in which it lives; nullptr when `parent` has not that much
    // left (it keeps what it had). ALL_LEFT: all `parent` has left once
    // the memory's own object is made.
    static constexpr uint64_t ALL_LEFT = ~uint64_t(0);
    static KernelMemory* create(KernelMemory& parent, uint64_t limit);
    // The PD this memory belongs to is gone. Its memory goes (its quota
    // back to the parent) once the last object made from it is freed: at
    // once, or when an object that outlived the PD goes.
    void orphan();

    // An object of `size` bytes (at most LARGEST, aligned to ALIGN), or
    // nullptr when the quota is used up.
    void* allocate(size_t size);
    template <typename T> void* allocate() {
        static_assert(sizeof(T) <= LARGEST && alignof(T) <= ALIGN, "too large for a slab of kernel memory");
        return allocate(sizeof(T));
    }
    // An object from allocate(); anything else is a kernel bug (asserted).
    void free(void* object);

    // Whole pages (tables, UTCBs, VMCBs), counted against the quota.
    void* allocate_page() override;
    void* allocate_pages(size_t count) override;
    void free_page(void* page) override;

    uint64_t limit() const { return limit_; }
    // Pages in use: slabs, whole pages, and the quotas given to children.
    uint64_t used() const { return used_; }
    uint64_t available() const { return limit_ - used_; }
    size_t objects_in_use() const;
    // Only at boot, for the root task's memory: its quota becomes what it
    // uses now plus `free` more pages (what is left of the pool).
    void set_available(uint64_t free) { limit_ = used_ + free; }

private:
    KernelMemory(PageSource& upstream, KernelMemory* parent, uint64_t limit);
    SlabCache& cache_for(size_t size);
    bool drained() const;
    // Frees every orphaned memory that is drained, following the parents:
    // a loop, not recursion, however deep PDs were nested.
    static void collect(KernelMemory* m);

    PageSource& upstream_;
    KernelMemory* const parent_;
    uint64_t limit_, used_ = 0;
    bool orphaned_ = false;
    SlabCache classes_[CLASSES];
};

}  // namespace keel
