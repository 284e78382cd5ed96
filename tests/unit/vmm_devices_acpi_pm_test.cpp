// The ACPI fixed hardware of the Linux VMM's PC: the PM timer's rate, SCI_EN
// always set, and the S5 write that powers the VM off.
#include <gtest/gtest.h>

#include "vmm/devices/acpi_pm.hpp"

namespace keel::vmm::dev {
namespace {

struct Off {
    int count = 0;
    static void power_off(void* ctx) { ++static_cast<Off*>(ctx)->count; }
};

uint32_t read32(const AcpiPm& pm, uint16_t port, uint64_t now) {
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; ++i) v |= uint32_t(pm.read(uint16_t(port + i), now)) << (8 * i);
    return v;
}
void write16(AcpiPm& pm, uint16_t port, uint16_t v) {
    pm.write(port, uint8_t(v), 0);  // as PortBus splits it: low byte first
    pm.write(uint16_t(port + 1), uint8_t(v >> 8), 0);
}

TEST(AcpiPm, TheTimerCountsAt3579545HzIn24Bits) {
    Off off;
    AcpiPm pm(Off::power_off, &off);
    EXPECT_EQ(read32(pm, AcpiPm::TIMER_BLOCK, 0), 0u);
    EXPECT_EQ(read32(pm, AcpiPm::TIMER_BLOCK, 1000000000), 3579545u & 0xffffff);
    EXPECT_EQ(read32(pm, AcpiPm::TIMER_BLOCK, 1000000), 3579u);
    // It wraps at 2^24 ticks (about 4.7 s), and stays exact after years.
    uint64_t wrap_ns = (uint64_t(1) << 24) * 1000000000 / AcpiPm::TIMER_HZ + 1;
    EXPECT_LT(read32(pm, AcpiPm::TIMER_BLOCK, wrap_ns), 10u);
    uint64_t year_ns = 365ull * 24 * 3600 * 1000000000;
    EXPECT_EQ(AcpiPm::timer(year_ns), uint32_t(365ull * 24 * 3600 * AcpiPm::TIMER_HZ & 0xffffff));
}

TEST(AcpiPm, SciEnIsAlwaysSetAndSlpEnWithS5PowersOff) {
    Off off;
    AcpiPm pm(Off::power_off, &off);
    EXPECT_EQ(pm.read(AcpiPm::CONTROL_BLOCK, 0) & 1, 1) << "SCI_EN: already in ACPI mode";
    write16(pm, AcpiPm::CONTROL_BLOCK, 0);
    EXPECT_EQ(pm.read(AcpiPm::CONTROL_BLOCK, 0) & 1, 1);
    // Linux writes the sleep type, then the type with SLP_EN.
    write16(pm, AcpiPm::CONTROL_BLOCK, 5 << 10 | 1);
    EXPECT_EQ(off.count, 0);
    write16(pm, AcpiPm::CONTROL_BLOCK, 5 << 10 | 1 << 13 | 1);
    EXPECT_EQ(off.count, 1);
    EXPECT_EQ(pm.read(uint16_t(AcpiPm::CONTROL_BLOCK + 1), 0) & 0x20, 0) << "SLP_EN reads as 0";
    // Another sleep type (S1, S3) is not a power-off: nothing happens.
    write16(pm, AcpiPm::CONTROL_BLOCK, 1 << 10 | 1 << 13);
    write16(pm, AcpiPm::CONTROL_BLOCK, 3 << 10 | 1 << 13);
    EXPECT_EQ(off.count, 1);
}

TEST(AcpiPm, StatusBitsClearByWritingOnesEnableBitsStick) {
    Off off;
    AcpiPm pm(Off::power_off, &off);
    EXPECT_EQ(read32(pm, AcpiPm::EVENT_BLOCK, 0), 0u);
    write16(pm, AcpiPm::EVENT_BLOCK + 2, 0x0121);
    EXPECT_EQ(read32(pm, AcpiPm::EVENT_BLOCK, 0) >> 16, 0x0121u);
    write16(pm, AcpiPm::EVENT_BLOCK, 0xffff);
    EXPECT_EQ(read32(pm, AcpiPm::EVENT_BLOCK, 0) & 0xffff, 0u);
    EXPECT_EQ(pm.read(0x60c, 0), 0xff) << "outside its blocks";
}

}  // namespace
}  // namespace keel::vmm::dev
