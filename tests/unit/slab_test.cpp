// Slab caches: the kernel's memory for objects (hypervisor/kernel/slab).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "heap_pages.hpp"
#include "hypervisor/kernel/slab.hpp"

using keel::SlabCache;
using keel::test::HeapPages;

TEST(Slab, HandsOutDistinctAlignedObjectsWithinPages) {
    HeapPages pages;
    SlabCache cache(pages, 40, 16);
    std::set<uintptr_t> seen;
    std::vector<void*> objects;
    for (size_t i = 0; i < 3 * cache.objects_per_page(); ++i) {
        void* p = cache.allocate();
        ASSERT_NE(p, nullptr);
        auto a = reinterpret_cast<uintptr_t>(p);
        EXPECT_EQ(a % 16, 0u);
        EXPECT_LE(a % 4096 + 48, 4096u) << "an object must not cross its page";
        EXPECT_TRUE(seen.insert(a).second) << "handed out twice";
        objects.push_back(p);
    }
    // No two objects overlap.
    std::vector<uintptr_t> sorted(seen.begin(), seen.end());
    for (size_t i = 1; i < sorted.size(); ++i) EXPECT_GE(sorted[i] - sorted[i - 1], 48u);
    EXPECT_EQ(cache.pages_in_use(), 3u);
    EXPECT_EQ(cache.objects_in_use(), objects.size());
    for (void* p : objects) cache.free(p);
    EXPECT_EQ(cache.objects_in_use(), 0u);
    EXPECT_LE(pages.live(), 1u) << "empty slabs go back to the page source (one is kept)";
}

TEST(Slab, ReusesFreedObjectsBeforeTakingPages) {
    HeapPages pages;
    SlabCache cache(pages, 64, 8);
    void* a = cache.allocate();
    void* b = cache.allocate();
    cache.free(a);
    EXPECT_EQ(cache.allocate(), a);
    cache.free(b);
    EXPECT_EQ(pages.live(), 1u);
}

TEST(Slab, ReturnsNullWhenThePageSourceIsExhausted) {
    HeapPages pages(2);
    SlabCache cache(pages, 1000, 8);
    std::vector<void*> objects;
    while (void* p = cache.allocate()) objects.push_back(p);
    EXPECT_EQ(objects.size(), 2 * cache.objects_per_page());
    cache.free(objects.back());
    EXPECT_NE(cache.allocate(), nullptr) << "a freed object is usable again";
    for (void* p : objects) cache.free(p);
}

// Freeing what is not this cache's object is a kernel bug: an assertion,
// which aborts a host build.
TEST(SlabDeathTest, DoubleFreeAndForeignObjectsAreInvariantViolations) {
    HeapPages pages;
    SlabCache cache(pages, 64, 8), other(pages, 64, 8);
    void* p = cache.allocate();
    void* q = other.allocate();
    cache.free(p);
    EXPECT_DEATH(cache.free(p), "invariant broken");
    EXPECT_DEATH(cache.free(q), "invariant broken");
    EXPECT_DEATH(cache.free(static_cast<char*>(q) + 8), "invariant broken");
    other.free(q);
}
