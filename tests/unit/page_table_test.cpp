#include "hypervisor/arch/x86/page_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

using keel::Status;
using namespace keel::x86;

namespace {

// Table frames live in host memory; "physical" addresses are page numbers
// in this arena, so the builder cannot tell it is not on a real machine.
struct Arena {
    std::vector<std::unique_ptr<uint64_t[]>> pages;
    size_t limit = SIZE_MAX;

    static Status allocate(void* ctx, uint64_t& phys) {
        auto* a = static_cast<Arena*>(ctx);
        if (a->pages.size() >= a->limit) return Status::OutOfMemory;
        a->pages.emplace_back(new uint64_t[512]());
        phys = uint64_t(a->pages.size()) << 12;  // never 0
        return Status::Ok;
    }
    static uint64_t* access(void* ctx, uint64_t phys) {
        return static_cast<Arena*>(ctx)->pages.at((phys >> 12) - 1).get();
    }
    size_t freed = 0;
    static void free(void* ctx, uint64_t phys) {
        auto* a = static_cast<Arena*>(ctx);
        ASSERT_TRUE(a->pages.at((phys >> 12) - 1)) << "table freed twice";
        a->pages.at((phys >> 12) - 1).reset();
        ++a->freed;
    }
    PageTableMemory memory() { return {allocate, access, this, free}; }
};

TEST(PageTable, MapsAndTranslates4KAnd2MPages) {
    Arena arena;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    ASSERT_EQ(pt.map(0x100000, 0x100000, 0x3000, 0, SIZE_4K), Status::Ok);
    ASSERT_EQ(pt.map(0x40000000, 0x80000000, 2 * SIZE_2M, pte::WRITE | pte::NX, SIZE_2M), Status::Ok);

    uint64_t pa, flags;
    ASSERT_EQ(pt.lookup(0x101234, pa, flags), Status::Ok);
    EXPECT_EQ(pa, 0x101234u);
    EXPECT_FALSE(flags & pte::WRITE);
    EXPECT_FALSE(flags & pte::NX);
    ASSERT_EQ(pt.lookup(0x40212345, pa, flags), Status::Ok);
    EXPECT_EQ(pa, 0x80212345u);
    EXPECT_TRUE(flags & pte::HUGE);
    EXPECT_TRUE(flags & pte::NX);
    EXPECT_EQ(pt.lookup(0x103000, pa, flags), Status::NotFound);
    EXPECT_EQ(pt.lookup(0, pa, flags), Status::NotFound);
}

TEST(PageTable, DirectoriesAreUserWritableSoOnlyLeavesDecide) {
    Arena arena;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    ASSERT_EQ(pt.map(0x7000, 0x9000, SIZE_4K, pte::USER, SIZE_4K), Status::Ok);
    const uint64_t* pml4 = Arena::access(&arena, pt.root());
    EXPECT_EQ(pml4[0] & 0xfff, pte::PRESENT | pte::WRITE | pte::USER);
}

TEST(PageTable, RefusesToOverwriteAnExistingMapping) {
    Arena arena;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    ASSERT_EQ(pt.map(0x200000, 0x200000, SIZE_2M, 0, SIZE_2M), Status::Ok);
    EXPECT_EQ(pt.map(0x201000, 0x5000, SIZE_4K, 0, SIZE_4K), Status::Exists);  // inside the large page
    ASSERT_EQ(pt.map(0x1000, 0x1000, SIZE_4K, 0, SIZE_4K), Status::Ok);
    EXPECT_EQ(pt.map(0x1000, 0x2000, SIZE_4K, 0, SIZE_4K), Status::Exists);
}

TEST(PageTable, RejectsMisalignedNonCanonicalAndBadFlags) {
    Arena arena;
    PageTable pt(arena.memory());
    EXPECT_EQ(pt.map(0, 0, SIZE_4K, 0, SIZE_4K), Status::BadArgument);  // before init
    ASSERT_EQ(pt.init(), Status::Ok);
    EXPECT_EQ(pt.map(0x1001, 0x1000, SIZE_4K, 0, SIZE_4K), Status::BadArgument);
    EXPECT_EQ(pt.map(0x1000, 0x1000, SIZE_4K, 0, SIZE_2M), Status::BadArgument);
    EXPECT_EQ(pt.map(0x1000, 0x1000, SIZE_4K, 0, 0x3000), Status::BadArgument);
    EXPECT_EQ(pt.map(0x0000800000000000, 0, SIZE_4K, 0, SIZE_4K), Status::BadArgument);
    EXPECT_EQ(pt.map(0x1000, 0x1000, SIZE_4K, 0x5000, SIZE_4K), Status::BadArgument);
    EXPECT_EQ(pt.map(0x1000, 0x1000, 0, 0, SIZE_4K), Status::BadArgument);
    EXPECT_EQ(pt.init(), Status::Exists);
}

TEST(PageTable, ReportsOutOfMemoryForTables) {
    Arena arena;
    arena.limit = 2;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    EXPECT_EQ(pt.map(0x1000, 0x1000, SIZE_4K, 0, SIZE_4K), Status::OutOfMemory);
}

TEST(PageTable, EnumeratesLeavesInOrderWithCanonicalHighAddresses) {
    Arena arena;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    ASSERT_EQ(pt.map(0xffffffff80000000, 0x100000, SIZE_4K, 0, SIZE_4K), Status::Ok);
    ASSERT_EQ(pt.map(0x3000, 0x3000, 2 * SIZE_4K, pte::WRITE | pte::NX, SIZE_4K), Status::Ok);
    ASSERT_EQ(pt.map(0x400000, 0x400000, SIZE_2M, pte::WRITE, SIZE_2M), Status::Ok);
    std::vector<std::pair<uint64_t, uint64_t>> leaves;
    unsigned writable_executable = 0;
    pt.for_each_leaf([&](uint64_t va, uint64_t pa, uint64_t size, uint64_t flags) {
        leaves.emplace_back(va, size);
        EXPECT_EQ(va == 0xffffffff80000000 ? 0x100000 : va, pa);
        if ((flags & pte::WRITE) && !(flags & pte::NX)) ++writable_executable;
    });
    ASSERT_EQ(leaves.size(), 4u);
    EXPECT_EQ(leaves[0], std::make_pair(uint64_t(0x3000), SIZE_4K));
    EXPECT_EQ(leaves[2], std::make_pair(uint64_t(0x400000), SIZE_2M));
    EXPECT_EQ(leaves[3].first, 0xffffffff80000000u);
    EXPECT_EQ(writable_executable, 1u);  // the 2 MiB page mapped W without NX
}

}  // namespace

TEST(PageTable, UnmapAndProtectChangeOnlyTheirLeaves) {
    Arena arena;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    constexpr uint64_t VA = 0x8000000000;  // a user address: root slot 1
    ASSERT_EQ(pt.map(VA, 0x200000, 4 * SIZE_4K, pte::USER | pte::WRITE, SIZE_4K), Status::Ok);
    pt.protect(VA + SIZE_4K, SIZE_4K, pte::USER | pte::NX);
    pt.unmap(VA + 2 * SIZE_4K, SIZE_4K);
    pt.unmap(VA + 100 * SIZE_4K, SIZE_4K);  // a hole: nothing happens
    uint64_t pa, flags;
    ASSERT_EQ(pt.lookup(VA, pa, flags), Status::Ok);
    EXPECT_TRUE(flags & pte::WRITE);
    ASSERT_EQ(pt.lookup(VA + SIZE_4K, pa, flags), Status::Ok);
    EXPECT_EQ(pa, 0x201000u) << "protect keeps the frame";
    EXPECT_FALSE(flags & pte::WRITE);
    EXPECT_TRUE(flags & pte::NX);
    EXPECT_EQ(pt.lookup(VA + 2 * SIZE_4K, pa, flags), Status::NotFound);
    ASSERT_EQ(pt.lookup(VA + 3 * SIZE_4K, pa, flags), Status::Ok);
    EXPECT_EQ(pt.map(VA + 2 * SIZE_4K, 0x300000, SIZE_4K, pte::USER, SIZE_4K), Status::Ok) << "free again";
}

// A PD's page table shares the kernel's root slot 0; releasing the PD's
// tables must free its own and never the shared ones.
TEST(PageTable, ReleaseFreesOnlyTheSlotsItIsGiven) {
    Arena arena;
    PageTable kernel(arena.memory()), user(arena.memory());
    ASSERT_EQ(kernel.init(), Status::Ok);
    ASSERT_EQ(kernel.map(0x100000, 0x100000, SIZE_4K, 0, SIZE_4K), Status::Ok);
    size_t kernel_tables = arena.pages.size();
    ASSERT_EQ(user.init(), Status::Ok);
    user.set_root_entry(0, kernel.root_entry(0));
    ASSERT_EQ(user.map(0x8000000000, 0x200000, SIZE_4K, pte::USER, SIZE_4K), Status::Ok);
    ASSERT_EQ(user.map(0x7f0000000000, 0x201000, SIZE_4K, pte::USER, SIZE_4K), Status::Ok);
    size_t user_tables = arena.pages.size() - kernel_tables;  // root + 2 x 3 levels
    EXPECT_EQ(user_tables, 7u);
    user.release(1, 255, true);
    EXPECT_EQ(arena.freed, user_tables);
    uint64_t pa, flags;
    EXPECT_EQ(kernel.lookup(0x100000, pa, flags), Status::Ok) << "the kernel's tables are intact";
}

namespace {

// Translates an I/O virtual address the way an AMD IOMMU walks its v1
// tables from a device table entry with Mode 4: every directory entry must
// be present and name the next level, the rights are the AND of all levels.
struct IoWalk {
    bool ok = false;
    uint64_t pa = 0;
    bool read = false, write = false;
};
IoWalk iommu_walk(Arena& arena, uint64_t root, uint64_t iova) {
    IoWalk w;
    uint64_t table = root;
    bool read = true, write = true;
    for (unsigned level = 4; level >= 1; --level) {
        uint64_t e = Arena::access(&arena, table)[(iova >> (12 + 9 * (level - 1))) & 511];
        if (!(e & pte::PRESENT)) return w;
        read = read && (e & iopte::READ);
        write = write && (e & iopte::WRITE);
        unsigned next = (e >> 9) & 7;
        if (next != level - 1) return w;  // a skipped level or a large page: never built
        if (level == 1) {
            w = {true, (e & pte::ADDR_MASK) | (iova & 0xfff), read, write};
            return w;
        }
        table = e & pte::ADDR_MASK;
    }
    return w;
}

}  // namespace

TEST(PageTable, BuildsAmdIommuTablesThatAnIommuWalks) {
    Arena arena;
    PageTable pt(arena.memory(), AMD_IOMMU_FORMAT);
    ASSERT_EQ(pt.init(), Status::Ok);
    ASSERT_EQ(pt.map(0x10000, 0x7654000, 0x2000, iopte::READ | iopte::WRITE | iopte::FORCE_COHERENT, SIZE_4K),
              Status::Ok);
    ASSERT_EQ(pt.map(0x40000000000, 0x1000, 0x1000, iopte::READ, SIZE_4K), Status::Ok);  // another level-4 slot

    IoWalk w = iommu_walk(arena, pt.root(), 0x11234);
    ASSERT_TRUE(w.ok);
    EXPECT_EQ(w.pa, 0x7655234u);
    EXPECT_TRUE(w.read && w.write);
    w = iommu_walk(arena, pt.root(), 0x40000000010);
    ASSERT_TRUE(w.ok);
    EXPECT_EQ(w.pa, 0x1010u);
    EXPECT_TRUE(w.read);
    EXPECT_FALSE(w.write);
    EXPECT_FALSE(iommu_walk(arena, pt.root(), 0x12000).ok);

    // Protect and unmap keep what the IOMMU reads consistent: an unmapped
    // leaf is all zeros (an IOMMU that checks only "non-zero" must not
    // translate it).
    pt.protect(0x10000, 0x1000, iopte::READ | iopte::FORCE_COHERENT);
    w = iommu_walk(arena, pt.root(), 0x10000);
    ASSERT_TRUE(w.ok);
    EXPECT_FALSE(w.write);
    pt.unmap(0x11000, 0x1000);
    EXPECT_FALSE(iommu_walk(arena, pt.root(), 0x11000).ok);
    EXPECT_EQ(*pt.leaf_entry(0x10000) & ~pte::ADDR_MASK, iopte::READ | iopte::FORCE_COHERENT | pte::PRESENT);

    size_t leaves = 0;
    pt.for_each_leaf([&](uint64_t, uint64_t, uint64_t size, uint64_t) {
        EXPECT_EQ(size, SIZE_4K);
        ++leaves;
    });
    EXPECT_EQ(leaves, 2u);
    pt.release(0, 511, true);
    EXPECT_EQ(arena.freed, arena.pages.size());
}

TEST(PageTable, X86DirectoriesCarryNoIommuLevelBits) {
    Arena arena;
    PageTable pt(arena.memory());
    ASSERT_EQ(pt.init(), Status::Ok);
    ASSERT_EQ(pt.map(0x10000, 0x20000, 0x1000, pte::WRITE, SIZE_4K), Status::Ok);
    uint64_t l4 = Arena::access(&arena, pt.root())[0];
    EXPECT_EQ(l4 & ~pte::ADDR_MASK, pte::PRESENT | pte::WRITE | pte::USER);
}
