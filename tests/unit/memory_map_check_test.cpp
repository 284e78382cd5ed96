// The memory-map check the secure loader and the hypervisor run before they
// trust the loader's map (hypervisor/kernel/memory_map_check): every entry,
// however many, sorted and disjoint, no RAM over a device.
#include <gtest/gtest.h>

#include <memory>

#include "hypervisor/kernel/memory_map_check.hpp"
#include "mb2_builder.hpp"

using keel::Status;
using keel::mb2::BootInfo;
using keel::mb2::DeviceWindow;
using keel::mb2::MapProblem;
using keel::test::Mb2Builder;
using Region = Mb2Builder::Region;

namespace {

constexpr uint32_t USABLE = 1, RESERVED = 2;

// QEMU's map for -m 512 under SeaBIOS, as GRUB passes it.
const std::vector<Region> QEMU_MAP = {
    {0x0, 0x9fc00, USABLE},
    {0x9fc00, 0x400, RESERVED},
    {0xf0000, 0x10000, RESERVED},
    {0x100000, 0x1fecf000, USABLE},
    {0x1ffcf000, 0x31000, RESERVED},
    {0xfffc0000, 0x40000, RESERVED},
    {0xfd00000000, 0x300000000, RESERVED},
};

struct Parsed {
    std::vector<uint8_t> bytes;
    std::unique_ptr<BootInfo> info = std::make_unique<BootInfo>();
};

Parsed parse(const std::vector<Region>& map) {
    Parsed p;
    p.bytes = Mb2Builder().memory_map(map).build();
    EXPECT_EQ(keel::mb2::parse(p.bytes.data(), p.bytes.size(), *p.info), Status::Ok);
    return p;
}

MapProblem check(const std::vector<Region>& map, Status expected, const DeviceWindow* extra = nullptr,
                 size_t extra_count = 0) {
    Parsed p = parse(map);
    MapProblem problem{};
    EXPECT_EQ(keel::mb2::check_memory_map(*p.info, extra, extra_count, problem), expected);
    return problem;
}

}  // namespace

TEST(MemoryMapCheck, AcceptsQemusMap) { check(QEMU_MAP, Status::Ok); }

TEST(MemoryMapCheck, RefusesOverlappingEntries) {
    auto map = QEMU_MAP;
    map[3].length += 0x1000;  // into the reserved entry after it
    MapProblem p = check(map, Status::Malformed);
    EXPECT_STREQ(p.what, "an entry overlaps or precedes the one before it");
    EXPECT_EQ(p.index, 4u);
}

TEST(MemoryMapCheck, RefusesEntriesOutOfOrder) {
    auto map = QEMU_MAP;
    std::swap(map[3], map[4]);
    EXPECT_STREQ(check(map, Status::Malformed).what, "an entry overlaps or precedes the one before it");
}

TEST(MemoryMapCheck, RefusesTheSameRangeTwice) {
    auto map = QEMU_MAP;
    map.insert(map.begin() + 4, map[3]);  // RAM described twice: once usable, once again
    map[4].type = RESERVED;
    EXPECT_STREQ(check(map, Status::Malformed).what, "an entry overlaps or precedes the one before it");
}

TEST(MemoryMapCheck, RefusesUsableRamInTheDeviceWindow) {
    auto map = QEMU_MAP;
    map[5].type = USABLE;  // the firmware flash below 4 GiB
    MapProblem p = check(map, Status::Malformed);
    EXPECT_STREQ(p.what, "usable RAM in a device window");
    EXPECT_EQ(p.index, 5u);
    EXPECT_NE(std::string(p.window).find("below 4 GiB"), std::string::npos);
    // RAM that merely reaches into the window is refused as well.
    map = QEMU_MAP;
    map[4] = {0x1ffcf000, 0xfec01000 - 0x1ffcf000, USABLE};
    EXPECT_STREQ(check(map, Status::Malformed).what, "usable RAM in a device window");
}

TEST(MemoryMapCheck, RefusesUsableRamInTheVgaWindow) {
    auto map = QEMU_MAP;
    map[1] = {0x9fc00, 0x20400, USABLE};
    EXPECT_NE(std::string(check(map, Status::Malformed).window).find("VGA"), std::string::npos);
}

TEST(MemoryMapCheck, RefusesUsableRamOverACallersWindow) {
    // A local APIC relocated into RAM's range.
    DeviceWindow apic{0x200000, 0x201000, "the local APIC"};
    MapProblem p = check(QEMU_MAP, Status::Malformed, &apic, 1);
    EXPECT_STREQ(p.window, "the local APIC");
    EXPECT_EQ(p.index, 3u);
}

TEST(MemoryMapCheck, ReservedEntriesMayCoverDevices) { check({{0xfec00000, 0x1400000, RESERVED}}, Status::Ok); }

TEST(MemoryMapCheck, RefusesEmptyAndMissingMaps) {
    EXPECT_STREQ(check({{0x100000, 0, USABLE}}, Status::Malformed).what, "an entry is empty");
    auto bytes = Mb2Builder().cmdline("x").build();
    auto info = std::make_unique<BootInfo>();
    ASSERT_EQ(keel::mb2::parse(bytes.data(), bytes.size(), *info), Status::Ok);
    MapProblem p{};
    EXPECT_EQ(keel::mb2::check_memory_map(*info, nullptr, 0, p), Status::Malformed);
    EXPECT_STREQ(p.what, "there is no memory map");
}

TEST(MemoryMapCheck, ChecksEveryEntryBeyondWhatTheParserKeeps) {
    // More entries than BootInfo stores: the check reads the tag itself.
    std::vector<Region> map;
    for (uint64_t i = 0; i < BootInfo::MAX_REGIONS + 10; ++i) map.push_back({0x100000 + i * 0x2000, 0x1000, USABLE});
    map.push_back({0xfee00000, 0x1000, USABLE});
    Parsed p = parse(map);
    EXPECT_GT(p.info->regions_dropped, 0u);
    MapProblem problem{};
    EXPECT_EQ(keel::mb2::check_memory_map(*p.info, nullptr, 0, problem), Status::Malformed);
    EXPECT_EQ(problem.index, BootInfo::MAX_REGIONS + 10);
}

TEST(MemoryMapCheck, UsableRamIsOneUsableEntry) {
    Parsed p = parse(QEMU_MAP);
    EXPECT_TRUE(keel::mb2::is_usable_ram(*p.info, 0x100000, 0x1000));
    EXPECT_TRUE(keel::mb2::is_usable_ram(*p.info, 0x1ffce000, 0x1000));  // the last page of the big entry
    EXPECT_FALSE(keel::mb2::is_usable_ram(*p.info, 0x1ffce000, 0x2000));  // runs into reserved memory
    EXPECT_FALSE(keel::mb2::is_usable_ram(*p.info, 0xf0000, 0x1000));  // reserved
    EXPECT_FALSE(keel::mb2::is_usable_ram(*p.info, 0xfffffffffffff000, 0x2000));  // wraps
    EXPECT_EQ(keel::mb2::usable_top_below(*p.info, 1ull << 32), 0x1ffcf000u);
    EXPECT_EQ(keel::mb2::usable_top_below(*p.info, 0x80000), 0x80000u);
}

// TOP_MEM is where DRAM below 4 GiB ends on AMD: usable RAM above it is a
// changed map, and stops the launch. (QEMU has no TOP_MEM, so only here.)
TEST(MemoryMapCheck, UsableRamAboveTopMemIsAChangedMap) {
    using keel::mb2::TopMem;
    Parsed p = parse(QEMU_MAP);
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0x20000000), TopMem::Agrees);
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0x1ffcf000), TopMem::Agrees);  // exactly the map's top
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0x1ffce000), TopMem::MapAbove);
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0x10000000), TopMem::MapAbove);
    // Usable RAM above 4 GiB is not DRAM below TOP_MEM's concern.
    auto high = QEMU_MAP;
    high.back() = {0x100000000, 0x100000000, USABLE};
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*parse(high).info, 0x20000000), TopMem::Agrees);
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0), TopMem::NotImplemented);
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0x100000), TopMem::NotImplemented);
    EXPECT_EQ(keel::mb2::compare_with_top_mem(*p.info, 0x100001000), TopMem::NotImplemented);
}
