#include "hypervisor/kernel/multiboot2.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mb2_builder.hpp"

using keel::Status;
using keel::mb2::BootInfo;
using keel::test::Mb2Builder;

namespace {

std::string str(keel::StringView v) { return std::string(v.data, v.size); }

Status parse(const std::vector<uint8_t>& bytes, BootInfo& info) {
    return keel::mb2::parse(bytes.data(), bytes.size(), info);
}

TEST(Multiboot2, ParsesWhatGrubProvides) {
    auto bytes = Mb2Builder()
                     .cmdline("debug-exit=0xf4 hold")
                     .loader("GRUB 2.06")
                     .module(0x200000, 0x201000, "vmm.elf --verbose")
                     .memory_map({{0, 0x9fc00, 1}, {0x9fc00, 0x400, 2}, {0x100000, 0x1fee0000, 1}})
                     .build();
    BootInfo info;
    ASSERT_EQ(parse(bytes, info), Status::Ok);
    EXPECT_EQ(str(info.cmdline), "debug-exit=0xf4 hold");
    EXPECT_EQ(str(info.loader_name), "GRUB 2.06");
    ASSERT_EQ(info.module_count, 1u);
    EXPECT_EQ(info.modules[0].start, 0x200000u);
    EXPECT_EQ(info.modules[0].end, 0x201000u);
    EXPECT_EQ(str(info.modules[0].cmdline), "vmm.elf --verbose");
    ASSERT_TRUE(info.has_memory_map);
    ASSERT_EQ(info.region_count, 3u);
    EXPECT_EQ(info.regions[2].base, 0x100000u);
    EXPECT_EQ(info.regions[2].length, 0x1fee0000u);
    EXPECT_EQ(info.regions[1].type, 2u);
    EXPECT_EQ(info.total_size, bytes.size());
}

TEST(Multiboot2, SkipsUnknownTagsAndHonoursLargerMapEntries) {
    auto bytes = Mb2Builder().tag(21, {1, 2, 3, 4, 5}).memory_map({{0x1000, 0x2000, 1}}, 32).build();
    BootInfo info;
    ASSERT_EQ(parse(bytes, info), Status::Ok);
    ASSERT_EQ(info.region_count, 1u);
    EXPECT_EQ(info.regions[0].length, 0x2000u);
}

TEST(Multiboot2, RejectsAMissingEndTag) {
    auto bytes = Mb2Builder().cmdline("x").build(false);
    BootInfo info;
    EXPECT_EQ(parse(bytes, info), Status::Truncated);
}

TEST(Multiboot2, RejectsTotalSizeBeyondTheBytesGiven) {
    auto bytes = Mb2Builder().cmdline("x").build();
    BootInfo info;
    EXPECT_EQ(keel::mb2::parse(bytes.data(), bytes.size() - 1, info), Status::Truncated);
    EXPECT_EQ(keel::mb2::parse(bytes.data(), 4, info), Status::Truncated);
    EXPECT_EQ(keel::mb2::parse(nullptr, 0, info), Status::Truncated);
}

TEST(Multiboot2, RejectsATagThatOverrunsTheBlock) {
    auto bytes = Mb2Builder().cmdline("abc").build();
    bytes[12] = 0xff;  // first tag's size
    BootInfo info;
    EXPECT_EQ(parse(bytes, info), Status::Malformed);
}

TEST(Multiboot2, RejectsAStringWithoutTerminator) {
    auto bytes = Mb2Builder().tag(1, {'a', 'b', 'c'}).build();
    BootInfo info;
    EXPECT_EQ(parse(bytes, info), Status::Malformed);
}

TEST(Multiboot2, RejectsBadMemoryMapEntrySizeAndWrappingRegions) {
    BootInfo info;
    EXPECT_EQ(parse(Mb2Builder().memory_map({{0, 0x1000, 1}}, 20).build(), info), Status::Malformed);
    EXPECT_EQ(parse(Mb2Builder().memory_map({{~0ull - 0xfff, 0x2000, 1}}).build(), info), Status::Malformed);
}

// One reader could use the first map and another the last: the SLB measures
// the one map the hypervisor uses, so a second is malformed.
TEST(Multiboot2, RejectsASecondMemoryMap) {
    BootInfo info;
    auto bytes = Mb2Builder().memory_map({{0x100000, 0x1000, 1}}).memory_map({{0x100000, 0x100000, 1}}).build();
    EXPECT_EQ(parse(bytes, info), Status::Malformed);
}

TEST(Multiboot2, RejectsAModuleThatEndsBeforeItStarts) {
    BootInfo info;
    EXPECT_EQ(parse(Mb2Builder().module(0x3000, 0x2000, "m").build(), info), Status::Malformed);
}

TEST(Multiboot2, KeepsTheRegionsItCanHoldAndCountsTheRest) {
    std::vector<Mb2Builder::Region> many(BootInfo::MAX_REGIONS + 3, {0x100000, 0x1000, 1});
    many[BootInfo::MAX_REGIONS + 2].base = ~0ull;  // even a dropped entry must be well formed
    BootInfo info;
    EXPECT_EQ(parse(Mb2Builder().memory_map(many).build(), info), Status::Malformed);
    many[BootInfo::MAX_REGIONS + 2].base = 0;
    ASSERT_EQ(parse(Mb2Builder().memory_map(many).build(), info), Status::Ok);
    EXPECT_EQ(info.region_count, BootInfo::MAX_REGIONS);
    EXPECT_EQ(info.regions_dropped, 3u);
}

TEST(Multiboot2, NamesMemoryTypes) {
    EXPECT_STREQ(keel::mb2::memory_type_name(1), "usable");
    EXPECT_STREQ(keel::mb2::memory_type_name(4), "ACPI NVS");
    EXPECT_EQ(keel::mb2::memory_type_name(20), nullptr);
}

}  // namespace
