// Where an assigned device's BAR may appear in a Linux guest
// (vmm/linux/device_placement.hpp).
#include <gtest/gtest.h>

#include "vmm/linux/device_placement.hpp"

namespace keel::vmm::linux_vm {
namespace {

constexpr uint64_t RAM = 192ull << 20;

TEST(DevicePlacement, WholePagesAboveRamClearOfWhatTheVmmEmulates) {
    EXPECT_TRUE(bar_placeable(0xfe000000, 0x4000, RAM));
    EXPECT_TRUE(bar_placeable(0xfebd1000, 0x1000, RAM));
    EXPECT_TRUE(bar_placeable(RAM, 0x1000, RAM)) << "right above RAM";
    EXPECT_FALSE(bar_placeable(RAM - 0x1000, 0x2000, RAM)) << "over the guest's RAM";
    EXPECT_FALSE(bar_placeable(0x100000, 0x1000, RAM)) << "inside RAM";
    EXPECT_FALSE(bar_placeable(0xa0000, 0x1000, 0x80000)) << "the first MiB is the PC's";
    EXPECT_FALSE(bar_placeable(0xfee00000, 0x1000, RAM)) << "the local APIC";
    EXPECT_FALSE(bar_placeable(0xfedff000, 0x2000, RAM)) << "runs into the local APIC";
    EXPECT_FALSE(bar_placeable(0xfec00000, 0x1000, RAM)) << "the I/O APIC";
    EXPECT_FALSE(bar_placeable(0xfed44000, 0x1000, RAM)) << "TPM locality 4";
    EXPECT_FALSE(bar_placeable(0xfe000800, 0x1000, RAM)) << "not page-aligned";
    EXPECT_FALSE(bar_placeable(0xfe000000, 0x800, RAM)) << "part of a page";
    EXPECT_FALSE(bar_placeable(0xfe000000, 0, RAM));
    EXPECT_FALSE(bar_placeable(~0xfffull, 0x2000, RAM)) << "wraps";
}

}  // namespace
}  // namespace keel::vmm::linux_vm
