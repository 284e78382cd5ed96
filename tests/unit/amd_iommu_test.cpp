// The AMD IOMMU formats both the secure loader and the kernel write
// (hypervisor/arch/x86/amd_iommu): commands and device table entries, bit
// for bit as AMD's specification (pub. 48882, 2.2.2 and 2.4) lays them out,
// and the domain IDs the kernel hands out.
#include <gtest/gtest.h>

#include <set>

#include "hypervisor/arch/x86/amd_iommu/domain_ids.hpp"
#include "hypervisor/arch/x86/amd_iommu/registers.hpp"

using namespace keel::x86::amd_iommu;

TEST(AmdIommuFormat, CommandsAreEncodedAsTheSpecificationSays) {
    Command c = completion_wait(0x123456789a8);
    EXPECT_EQ(c.dw[0], 0x456789a9u) << "store address bits 31:3 and S";
    EXPECT_EQ(c.dw[1], 0x10000123u) << "opcode 1, store address bits 51:32";
    EXPECT_EQ(uint64_t(c.dw[3]) << 32 | c.dw[2], COMPLETION_MAGIC);
    c = invalidate_device_entry(0x0420);
    EXPECT_EQ(c.dw[0], 0x0420u);
    EXPECT_EQ(c.dw[1], 0x20000000u) << "opcode 2";
    c = invalidate_domain_pages(0x2a);
    EXPECT_EQ(c.dw[1], 0x3000002au) << "opcode 3 with the domain ID";
    EXPECT_EQ(c.dw[2], 0xfffff003u) << "S and PDE set, address bits 31:12 all ones";
    EXPECT_EQ(c.dw[3], 0x7fffffffu) << "so the range is every page";
    EXPECT_EQ(invalidate_all().dw[1], 0x80000000u) << "opcode 8";
}

TEST(AmdIommuFormat, ATranslatedEntryUsesFourLevelsAndLetsTheTablesDecide) {
    uint64_t e = entry_translated(0x7654000);
    EXPECT_EQ(e & 3, 3u) << "V and TV: never pass-through";
    EXPECT_EQ(e >> 9 & 7, 4u) << "Mode 4";
    EXPECT_EQ(e & 0x000ffffffffff000ull, 0x7654000u);
    EXPECT_TRUE(e >> 61 & 1) << "IR";
    EXPECT_TRUE(e >> 62 & 1) << "IW";
    EXPECT_EQ(e & 0x80300000000001fcull, 0u) << "no reserved or guest-translation bit";
    EXPECT_TRUE(entry_is_translated(e));
    EXPECT_FALSE(entry_is_translated(ENTRY_BLOCK)) << "Mode 0 with IR = IW = 0 blocks";
    EXPECT_EQ(entry_domain(0xffffffff0000002aull), 0x2a);
}

TEST(AmdIommuFormat, DomainIdsSkipTheLoadersAndThoseQemuRefuses) {
    static DomainIds ids;
    std::set<uint16_t> seen;
    for (uint16_t id; (id = ids.allocate()) != 0;) {
        EXPECT_TRUE(seen.insert(id).second) << id;
        EXPECT_NE(id & 0x100, 0x100) << id;
    }
    EXPECT_EQ(seen.size(), 65536u / 2 - 1) << "all but 0 and those with bit 8";
    EXPECT_EQ(seen.count(0), 0u);
    ids.free(0x2a);
    EXPECT_EQ(ids.allocate(), 0x2a) << "a freed ID comes back";
}

TEST(AmdIommuFormat, TheTablesTheLoaderHandsOverHaveOnePlaceForEachPart) {
    EXPECT_EQ(command_buffer(0x1000000, 0), 0x1000000u + DEVICE_TABLE_SIZE);
    EXPECT_EQ(command_buffer(0x1000000, 7) + COMMAND_BUFFER_SIZE, completion_store(0x1000000));
    EXPECT_EQ(completion_store(0x1000000) + 4096, 0x1000000u + DMA_TABLES_SIZE);
}
