// Physical page-frame allocator. It keeps the free physical memory as a
// small sorted array of disjoint ranges; it never writes to the memory it
// manages, so it works before paging is final and is unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"

namespace keel {

constexpr uint64_t PAGE_SIZE = 4096;

class FrameAllocator {
public:
    static constexpr size_t MAX_RANGES = 256;

    struct Range {
        uint64_t base;  // page aligned
        uint64_t pages;
    };

    // Adds free memory; the range is shrunk inward to whole pages. Ranges
    // reaching into the last page of the address space are refused.
    [[nodiscard]] Status add(uint64_t base, uint64_t length);
    // Removes memory from the free set (e.g. the kernel image, boot modules);
    // the range is grown outward to whole pages. Parts not free are ignored.
    [[nodiscard]] Status reserve(uint64_t base, uint64_t length);
    // Takes `pages` contiguous frames whose address is a multiple of
    // align_pages * PAGE_SIZE; lowest fitting address first.
    [[nodiscard]] Status allocate(uint64_t pages, uint64_t& out, uint64_t align_pages = 1);
    // Returns frames; rejects frames that are already free (double free).
    [[nodiscard]] Status free(uint64_t base, uint64_t pages);

    uint64_t free_pages() const;
    size_t range_count() const { return count_; }
    const Range& range(size_t i) const { return ranges_[i]; }

private:
    [[nodiscard]] Status insert(uint64_t base, uint64_t pages);
    void remove_at(size_t i);
    [[nodiscard]] Status carve(size_t i, uint64_t base, uint64_t pages);

    Range ranges_[MAX_RANGES] = {};
    size_t count_ = 0;
};

}  // namespace keel
