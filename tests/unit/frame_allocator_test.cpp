#include "hypervisor/kernel/frame_allocator.hpp"

#include <gtest/gtest.h>

#include <set>

using keel::FrameAllocator;
using keel::PAGE_SIZE;
using keel::Status;

namespace {

constexpr uint64_t MiB = 1 << 20;

TEST(FrameAllocator, AddsWholePagesOnlyAndMergesNeighbours) {
    FrameAllocator f;
    ASSERT_EQ(f.add(0x1001, 0x3000), Status::Ok);  // 0x2000..0x4000: two whole pages
    EXPECT_EQ(f.free_pages(), 2u);
    ASSERT_EQ(f.add(0x4000, 0x1000), Status::Ok);  // touches the end: merges
    EXPECT_EQ(f.range_count(), 1u);
    EXPECT_EQ(f.free_pages(), 3u);
    ASSERT_EQ(f.add(0x10, 0x20), Status::Ok);  // less than a page: nothing
    EXPECT_EQ(f.free_pages(), 3u);
}

TEST(FrameAllocator, ReserveCarvesHolesOutOfFreeMemory) {
    FrameAllocator f;
    ASSERT_EQ(f.add(0, 16 * MiB), Status::Ok);
    ASSERT_EQ(f.reserve(0, MiB), Status::Ok);  // low memory
    ASSERT_EQ(f.reserve(MiB + 0x10, 0x20000), Status::Ok);  // an image not page aligned
    ASSERT_EQ(f.reserve(32 * MiB, MiB), Status::Ok);  // not free at all: ignored
    EXPECT_EQ(f.range_count(), 1u);
    EXPECT_EQ(f.range(0).base, MiB + 0x21000);
    ASSERT_EQ(f.reserve(4 * MiB, PAGE_SIZE), Status::Ok);  // splits the range
    EXPECT_EQ(f.range_count(), 2u);
    EXPECT_EQ(f.free_pages(), (16 * MiB - MiB - 0x21000 - PAGE_SIZE) / PAGE_SIZE);
}

TEST(FrameAllocator, ReserveSpanningSeveralRanges) {
    FrameAllocator f;
    ASSERT_EQ(f.add(0x1000, 0x1000), Status::Ok);
    ASSERT_EQ(f.add(0x3000, 0x1000), Status::Ok);
    ASSERT_EQ(f.add(0x5000, 0x2000), Status::Ok);
    ASSERT_EQ(f.reserve(0, 0x6000), Status::Ok);
    ASSERT_EQ(f.range_count(), 1u);
    EXPECT_EQ(f.range(0).base, 0x6000u);
    EXPECT_EQ(f.free_pages(), 1u);
}

TEST(FrameAllocator, AllocatesDistinctAlignedFramesUntilEmpty) {
    FrameAllocator f;
    ASSERT_EQ(f.add(0x1000, 64 * PAGE_SIZE), Status::Ok);
    uint64_t a;
    ASSERT_EQ(f.allocate(3, a, 4), Status::Ok);  // 16 KiB aligned
    EXPECT_EQ(a % (4 * PAGE_SIZE), 0u);
    std::set<uint64_t> seen{a, a + PAGE_SIZE, a + 2 * PAGE_SIZE};
    uint64_t p;
    while (f.allocate(1, p) == Status::Ok) {
        EXPECT_EQ(p % PAGE_SIZE, 0u);
        EXPECT_TRUE(seen.insert(p).second) << "frame handed out twice: " << std::hex << p;
    }
    EXPECT_EQ(seen.size(), 64u);
    EXPECT_EQ(f.free_pages(), 0u);
    EXPECT_EQ(f.allocate(1, p), Status::OutOfMemory);
}

TEST(FrameAllocator, FreeReturnsFramesAndRefusesDoubleFree) {
    FrameAllocator f;
    ASSERT_EQ(f.add(0x100000, 8 * PAGE_SIZE), Status::Ok);
    uint64_t a, b;
    ASSERT_EQ(f.allocate(2, a), Status::Ok);
    ASSERT_EQ(f.allocate(1, b), Status::Ok);
    ASSERT_EQ(f.free(a, 2), Status::Ok);
    EXPECT_EQ(f.free(a, 1), Status::Exists);
    EXPECT_EQ(f.free(a + PAGE_SIZE, 2), Status::Exists);  // overlaps b's neighbour that is free
    ASSERT_EQ(f.free(b, 1), Status::Ok);
    EXPECT_EQ(f.range_count(), 1u);
    EXPECT_EQ(f.free_pages(), 8u);
    EXPECT_EQ(f.free(0x100001, 1), Status::BadArgument);
    EXPECT_EQ(f.free(0x100000, 0), Status::BadArgument);
}

TEST(FrameAllocator, RejectsBadRequests) {
    FrameAllocator f;
    uint64_t p;
    EXPECT_EQ(f.allocate(0, p), Status::BadArgument);
    EXPECT_EQ(f.allocate(1, p, 0), Status::BadArgument);
    EXPECT_EQ(f.add(~0ull - 0xfff, 0x2000), Status::BadArgument);
    // Rounding must not wrap: a one-byte region in the last page is not "everything".
    EXPECT_EQ(f.add(0xfffffffffffff001, 1), Status::BadArgument);
    EXPECT_EQ(f.reserve(0xfffffffffffff001, 0xffe), Status::BadArgument);
    EXPECT_EQ(f.free(0x1000, ~0ull / PAGE_SIZE), Status::BadArgument);
    EXPECT_EQ(f.allocate(1, p, ~0ull), Status::BadArgument);
    FrameAllocator g;
    ASSERT_EQ(g.add(0x2000, 0x4000), Status::Ok);
    EXPECT_EQ(g.allocate(1, p, (1ull << 52) - 1), Status::OutOfMemory);  // no wrap to address 0
    EXPECT_EQ(g.free_pages(), 4u);
    EXPECT_EQ(f.free_pages(), 0u);
    EXPECT_EQ(f.allocate(1, p), Status::OutOfMemory);
}

TEST(FrameAllocator, ReportsWhenItRunsOutOfRangeSlots) {
    FrameAllocator f;
    for (uint64_t i = 0; i < FrameAllocator::MAX_RANGES; ++i)
        ASSERT_EQ(f.add(i * 2 * PAGE_SIZE, PAGE_SIZE), Status::Ok);
    EXPECT_EQ(f.add(FrameAllocator::MAX_RANGES * 2 * PAGE_SIZE, PAGE_SIZE), Status::OutOfMemory);
}

}  // namespace
