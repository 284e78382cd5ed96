// Kernel-memory quotas (hypervisor/kernel/kernel_memory): a PD's memory
// never gives more than its quota, a child's quota is reserved from its
// parent's, and a memory whose PD is gone lives until the last object
// made from it goes, then gives its parent the whole quota back.
#include <gtest/gtest.h>

#include <vector>

#include "heap_pages.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"

using namespace keel;

namespace {

struct KernelMemoryTest : testing::Test {
    test::HeapPages pages;
    KernelMemory pool{pages, 1000};
};

TEST_F(KernelMemoryTest, PagesStopAtTheQuota) {
    KernelMemory* m = KernelMemory::create(pool, 5);
    ASSERT_NE(m, nullptr);
    std::vector<void*> got;
    for (int i = 0; i < 5; ++i) {
        got.push_back(m->allocate_page());
        ASSERT_NE(got.back(), nullptr);
    }
    EXPECT_EQ(m->allocate_page(), nullptr) << "the sixth page is beyond the quota";
    EXPECT_EQ(m->used(), 5u);
    const size_t live = pages.live();
    EXPECT_EQ(m->allocate_page(), nullptr);
    EXPECT_EQ(pages.live(), live) << "a refused page is not taken from the pool";
    for (void* p : got) m->free_page(p);
    EXPECT_EQ(m->used(), 0u);
    m->orphan();
    EXPECT_EQ(pool.used(), 1u) << "only the slab that held the child's memory object";
}

TEST_F(KernelMemoryTest, ObjectsStopAtTheQuotaToo) {
    KernelMemory* m = KernelMemory::create(pool, 3);
    ASSERT_NE(m, nullptr);
    std::vector<void*> got;
    while (void* p = m->allocate(2048)) got.push_back(p);
    EXPECT_EQ(got.size(), 3u) << "one 2 KiB object per slab page, three pages";
    EXPECT_EQ(m->allocate(64), nullptr) << "another size class needs another page";
    for (void* p : got) m->free(p);
    EXPECT_EQ(m->objects_in_use(), 0u);
    m->orphan();
}

TEST_F(KernelMemoryTest, AChildsQuotaIsReservedFromItsParent) {
    KernelMemory* parent = KernelMemory::create(pool, 100);
    ASSERT_NE(parent, nullptr);
    EXPECT_EQ(KernelMemory::create(*parent, 100), nullptr) << "the child's memory object needs a page as well";
    EXPECT_EQ(parent->used(), 1u) << "a refused child leaves only an empty slab, kept for the next object";
    KernelMemory* child = KernelMemory::create(*parent, 60);
    ASSERT_NE(child, nullptr);
    EXPECT_EQ(parent->used(), 61u) << "the quota and the slab its object is on";
    EXPECT_EQ(KernelMemory::create(*parent, 40), nullptr);
    EXPECT_EQ(parent->used(), 61u);
    EXPECT_EQ(parent->allocate_page() != nullptr, true);
    child->orphan();
    EXPECT_EQ(parent->used(), 2u) << "the quota is back (the slab stays for the next object)";
    parent->orphan();
    EXPECT_EQ(parent->used(), 2u) << "a page is still out: the parent lives on";
}

TEST_F(KernelMemoryTest, AnOrphanLivesUntilItsLastObjectGoes) {
    KernelMemory* m = KernelMemory::create(pool, 10);
    ASSERT_NE(m, nullptr);
    void* survivor = m->allocate(128);  // made from the PD, held by another
    ASSERT_NE(survivor, nullptr);
    const uint64_t reserved = pool.used();
    m->orphan();
    EXPECT_EQ(pool.used(), reserved) << "the survivor's memory is still in use";
    m->free(survivor);
    EXPECT_EQ(pool.used(), 1u) << "the last object took the memory with it";
    EXPECT_EQ(pool.objects_in_use(), 0u);
}

// However deep PDs were nested, freeing the last object collects the whole
// chain of orphans in a loop (a kernel stack would not hold the recursion).
TEST_F(KernelMemoryTest, AChainOfOrphansIsCollectedWithoutRecursion) {
    std::vector<KernelMemory*> chain{&pool};
    for (int i = 0; i < 200; ++i) {
        KernelMemory* next = KernelMemory::create(*chain.back(), chain.back()->available() - 2);
        ASSERT_NE(next, nullptr) << i;
        chain.push_back(next);
    }
    void* last = chain.back()->allocate(64);
    ASSERT_NE(last, nullptr);
    for (size_t i = chain.size() - 1; i >= 1; --i) chain[i]->orphan();
    EXPECT_GT(pool.used(), 1u);
    chain.back()->free(last);
    EXPECT_EQ(pool.objects_in_use(), 0u);
    EXPECT_EQ(pool.used(), 1u) << "every quota came back; the pool keeps one empty slab";
}

// Freeing an object through a memory it did not come from is a kernel bug:
// the memory it came from, if orphaned, would keep its quota for ever.
TEST_F(KernelMemoryTest, AnObjectGoesBackOnlyToTheMemoryItCameFrom) {
    KernelMemory* a = KernelMemory::create(pool, 10);
    KernelMemory* b = KernelMemory::create(pool, 10);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    void* object = a->allocate(64);
    ASSERT_NE(object, nullptr);
    EXPECT_DEATH(b->free(object), "invariant broken");
    EXPECT_DEATH(pool.free(object), "invariant broken");
    a->free(object);
    a->orphan();
    b->orphan();
    EXPECT_EQ(pool.used(), 1u);
}

TEST_F(KernelMemoryTest, TheRootsQuotaFollowsWhatIsLeftOfThePool) {
    KernelMemory* root = KernelMemory::create(pool, KernelMemory::ALL_LEFT);
    ASSERT_NE(root, nullptr);
    EXPECT_EQ(pool.available(), 0u) << "all the pool had left once the root's memory object was made";
    ASSERT_NE(root, nullptr);
    ASSERT_NE(root->allocate_page(), nullptr);
    root->set_available(3);
    EXPECT_EQ(root->limit(), 4u);
    EXPECT_EQ(root->available(), 3u);
}

}  // namespace
