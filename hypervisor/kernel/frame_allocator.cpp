#include "frame_allocator.hpp"

namespace keel {
namespace {
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
constexpr uint64_t align_down(uint64_t v, uint64_t a) { return v / a * a; }
// The last page-aligned address; ranges end at or below it so that
// rounding up never wraps to zero.
constexpr uint64_t TOP = ~uint64_t(0) - (PAGE_SIZE - 1);
constexpr bool fits(uint64_t base, uint64_t length) { return base <= TOP && length <= TOP - base; }
}  // namespace

uint64_t FrameAllocator::free_pages() const {
    uint64_t n = 0;
    for (size_t i = 0; i < count_; ++i) n += ranges_[i].pages;
    return n;
}

void FrameAllocator::remove_at(size_t i) {
    for (size_t j = i; j + 1 < count_; ++j) ranges_[j] = ranges_[j + 1];
    --count_;
}

Status FrameAllocator::insert(uint64_t base, uint64_t pages) {
    if (!pages) return Status::Ok;
    uint64_t end = base + pages * PAGE_SIZE;
    size_t i = 0;
    while (i < count_ && ranges_[i].base < base) ++i;
    // Overlap with a neighbour means the caller handed back memory that is
    // already free: refuse rather than corrupt the free set.
    if (i > 0 && ranges_[i - 1].base + ranges_[i - 1].pages * PAGE_SIZE > base) return Status::Exists;
    if (i < count_ && ranges_[i].base < end) return Status::Exists;

    bool joins_prev = i > 0 && ranges_[i - 1].base + ranges_[i - 1].pages * PAGE_SIZE == base;
    bool joins_next = i < count_ && ranges_[i].base == end;
    if (joins_prev && joins_next) {
        ranges_[i - 1].pages += pages + ranges_[i].pages;
        remove_at(i);
    } else if (joins_prev) {
        ranges_[i - 1].pages += pages;
    } else if (joins_next) {
        ranges_[i].base = base;
        ranges_[i].pages += pages;
    } else {
        if (count_ == MAX_RANGES) return Status::OutOfMemory;
        for (size_t j = count_; j > i; --j) ranges_[j] = ranges_[j - 1];
        ranges_[i] = {base, pages};
        ++count_;
    }
    return Status::Ok;
}

// Removes [base, base + pages) from range i, which must contain it.
Status FrameAllocator::carve(size_t i, uint64_t base, uint64_t pages) {
    Range r = ranges_[i];
    uint64_t before = (base - r.base) / PAGE_SIZE;
    uint64_t after = r.pages - before - pages;
    if (before && after) {
        if (count_ == MAX_RANGES) return Status::OutOfMemory;
        for (size_t j = count_; j > i + 1; --j) ranges_[j] = ranges_[j - 1];
        ++count_;
        ranges_[i] = {r.base, before};
        ranges_[i + 1] = {base + pages * PAGE_SIZE, after};
    } else if (before) {
        ranges_[i].pages = before;
    } else if (after) {
        ranges_[i] = {base + pages * PAGE_SIZE, after};
    } else {
        remove_at(i);
    }
    return Status::Ok;
}

Status FrameAllocator::add(uint64_t base, uint64_t length) {
    if (!fits(base, length)) return Status::BadArgument;
    uint64_t lo = align_up(base, PAGE_SIZE);
    uint64_t hi = align_down(base + length, PAGE_SIZE);
    if (hi <= lo) return Status::Ok;
    return insert(lo, (hi - lo) / PAGE_SIZE);
}

Status FrameAllocator::reserve(uint64_t base, uint64_t length) {
    if (!fits(base, length)) return Status::BadArgument;
    uint64_t lo = align_down(base, PAGE_SIZE);
    uint64_t hi = align_up(base + length, PAGE_SIZE);
    for (size_t i = 0; i < count_;) {
        uint64_t rlo = ranges_[i].base, rhi = rlo + ranges_[i].pages * PAGE_SIZE;
        uint64_t clo = lo > rlo ? lo : rlo, chi = hi < rhi ? hi : rhi;
        if (clo >= chi) {
            ++i;
            continue;
        }
        size_t before = count_;
        if (Status s = carve(i, clo, (chi - clo) / PAGE_SIZE); s != Status::Ok) return s;
        if (count_ >= before) ++i;  // range i still exists (shrunk or split)
    }
    return Status::Ok;
}

Status FrameAllocator::allocate(uint64_t pages, uint64_t& out, uint64_t align_pages) {
    if (!pages || !align_pages || align_pages > TOP / PAGE_SIZE) return Status::BadArgument;
    uint64_t align = align_pages * PAGE_SIZE;
    for (size_t i = 0; i < count_; ++i) {
        if (ranges_[i].base > TOP - (align - 1)) continue;  // aligning would wrap
        uint64_t base = align_up(ranges_[i].base, align);
        uint64_t end = ranges_[i].base + ranges_[i].pages * PAGE_SIZE;
        if (base >= end || (end - base) / PAGE_SIZE < pages) continue;
        if (Status s = carve(i, base, pages); s != Status::Ok) return s;
        out = base;
        return Status::Ok;
    }
    return Status::OutOfMemory;
}

Status FrameAllocator::free(uint64_t base, uint64_t pages) {
    if (base % PAGE_SIZE || !pages || pages > TOP / PAGE_SIZE || !fits(base, pages * PAGE_SIZE))
        return Status::BadArgument;
    return insert(base, pages);
}

}  // namespace keel
