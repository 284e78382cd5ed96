// The CMOS clock as Linux reads and sets it (drivers/rtc/rtc-mc146818-lib.c:
// mc146818_get_time, mc146818_set_time), in BCD and binary, 24- and 12-hour
// form, and the firmware's memory-size bytes.
#include <gtest/gtest.h>

#include "vmm/devices/cmos_rtc.hpp"

using keel::vmm::dev::CmosRtc;

namespace {

constexpr int64_t MON_2026_12_07_134320 = 1796651000;
constexpr uint64_t S = 1'000'000'000;

uint8_t cmos_read(CmosRtc& rtc, uint8_t index, uint64_t now) {
    rtc.write(0x70, index, now);
    return rtc.read(0x71, now);
}
void cmos_write(CmosRtc& rtc, uint8_t index, uint8_t value, uint64_t now) {
    rtc.write(0x70, index, now);
    rtc.write(0x71, value, now);
}
unsigned bcd(uint8_t v) { return (v >> 4) * 10u + (v & 15); }

struct WallTime {
    unsigned sec, min, hour, wday, day, mon, year, century;
};

// mc146818_get_time: wait while UIP is set (bounded), read the registers,
// read B for the format, convert BCD unless DM is set.
WallTime linux_get_time(CmosRtc& rtc, uint64_t now) {
    int waits = 0;
    while (cmos_read(rtc, 0x0a, now) & 0x80) {
        now += 1'000'000;
        if (++waits == 1000) ADD_FAILURE() << "UIP never cleared";
    }
    WallTime t{cmos_read(rtc, 0, now), cmos_read(rtc, 2, now), cmos_read(rtc, 4, now), cmos_read(rtc, 6, now),
               cmos_read(rtc, 7, now), cmos_read(rtc, 8, now), cmos_read(rtc, 9, now), cmos_read(rtc, 0x32, now)};
    uint8_t b = cmos_read(rtc, 0x0b, now);
    if (!(b & 0x04)) {
        t.sec = bcd(uint8_t(t.sec)), t.min = bcd(uint8_t(t.min)), t.day = bcd(uint8_t(t.day));
        t.mon = bcd(uint8_t(t.mon)), t.year = bcd(uint8_t(t.year)), t.century = bcd(uint8_t(t.century));
        t.wday = bcd(uint8_t(t.wday));
        t.hour = (b & 0x02) ? bcd(uint8_t(t.hour)) : (bcd(uint8_t(t.hour & 0x7f)) | (t.hour & 0x80));
    }
    return t;
}

TEST(CmosRtc, LinuxReadsTheWallClockInBcd) {
    CmosRtc rtc(MON_2026_12_07_134320);
    WallTime t = linux_get_time(rtc, 0);
    EXPECT_EQ(t.sec, 20u);
    EXPECT_EQ(t.min, 43u);
    EXPECT_EQ(t.hour, 13u);
    EXPECT_EQ(t.wday, 2u) << "Monday; Sunday is 1";
    EXPECT_EQ(t.day, 7u);
    EXPECT_EQ(t.mon, 12u);
    EXPECT_EQ(t.year, 26u);
    EXPECT_EQ(t.century, 20u);
    EXPECT_EQ(cmos_read(rtc, 0, 0), 0x20) << "BCD";
    // The clock runs with the VMM's: 40 s and a day later.
    t = linux_get_time(rtc, (40 + 86400) * S + S / 2);
    EXPECT_EQ(t.sec, 0u);
    EXPECT_EQ(t.min, 44u);
    EXPECT_EQ(t.day, 8u);
    EXPECT_EQ(t.wday, 3u);
}

TEST(CmosRtc, StatusRegistersSayTheClockIsValidAndIdle) {
    CmosRtc rtc(0);
    EXPECT_EQ(cmos_read(rtc, 0x0a, 0), 0x26) << "UIP never set";
    EXPECT_EQ(cmos_read(rtc, 0x0b, 0), 0x02) << "24 hours, BCD";
    EXPECT_EQ(cmos_read(rtc, 0x0d, 0), 0x80) << "VRT: the battery is fine";
    EXPECT_EQ(cmos_read(rtc, 0x0c, 0), 0x00);
    cmos_write(rtc, 0x0a, 0xa6, 0);
    EXPECT_EQ(cmos_read(rtc, 0x0a, 0), 0x26) << "UIP is read-only";
    cmos_write(rtc, 0x0d, 0x00, 0);
    EXPECT_EQ(cmos_read(rtc, 0x0d, 0), 0x80);
    EXPECT_EQ(rtc.read(0x70, 0), 0xff) << "the index port is write-only";
}

TEST(CmosRtc, BinaryAnd12HourFormsFollowRegisterB) {
    CmosRtc rtc(MON_2026_12_07_134320);
    cmos_write(rtc, 0x0b, 0x04, 0);  // binary, 12-hour
    EXPECT_EQ(cmos_read(rtc, 0, 0), 20);
    EXPECT_EQ(cmos_read(rtc, 4, 0), 0x80 | 1) << "1 PM";
    EXPECT_EQ(cmos_read(rtc, 9, 0), 26);
    cmos_write(rtc, 0x0b, 0x00, 0);  // BCD, 12-hour
    EXPECT_EQ(cmos_read(rtc, 4, 11 * 3600 * S), 0x12) << "00:43 is 12 AM";
    EXPECT_EQ(cmos_read(rtc, 4, 23 * 3600 * S), 0x80 | 0x12) << "12:43 is 12 PM";
}

// mc146818_set_time: SET, then the registers, then SET cleared again.
TEST(CmosRtc, LinuxSetsTheClockWithTheSetBit) {
    CmosRtc rtc(MON_2026_12_07_134320);
    uint64_t now = 100 * S;
    uint8_t b = cmos_read(rtc, 0x0b, now);
    cmos_write(rtc, 0x0b, b | 0x80, now);
    cmos_write(rtc, 9, 0x99, now);
    cmos_write(rtc, 8, 0x12, now);
    cmos_write(rtc, 7, 0x31, now);
    cmos_write(rtc, 4, 0x23, now);
    cmos_write(rtc, 2, 0x59, now);
    cmos_write(rtc, 0, 0x58, now);
    cmos_write(rtc, 0x32, 0x19, now);
    now += 5 * S;
    EXPECT_EQ(cmos_read(rtc, 0, now), 0x58) << "frozen while SET";
    cmos_write(rtc, 0x0b, b, now);
    EXPECT_EQ(rtc.unix_time(now), 946684798);
    now += 3 * S;
    WallTime t = linux_get_time(rtc, now);
    EXPECT_EQ(t.year, 0u);
    EXPECT_EQ(t.century, 20u);
    EXPECT_EQ(t.mon, 1u);
    EXPECT_EQ(t.day, 1u);
    EXPECT_EQ(t.hour, 0u);
    EXPECT_EQ(t.sec, 1u);
    EXPECT_EQ(t.wday, 7u) << "2000-01-01 was a Saturday";
}

TEST(CmosRtc, OneRegisterWrittenAloneMovesOnlyItsField) {
    CmosRtc rtc(MON_2026_12_07_134320);
    cmos_write(rtc, 2, 0x05, 0);  // minutes := 5
    EXPECT_EQ(rtc.unix_time(0), MON_2026_12_07_134320 - 38 * 60);
    cmos_write(rtc, 8, 0x13, 0);  // month 13: no date, ignored
    EXPECT_EQ(rtc.unix_time(0), MON_2026_12_07_134320 - 38 * 60);
    cmos_write(rtc, 0, 0x5a, 0);  // not BCD: ignored
    EXPECT_EQ(rtc.unix_time(0), MON_2026_12_07_134320 - 38 * 60);
}

TEST(CmosRtc, LeapDaysAndCenturiesComeOutRight) {
    CmosRtc rtc(1709251199);  // 2024-02-29 23:59:59
    EXPECT_EQ(cmos_read(rtc, 7, 0), 0x29);
    EXPECT_EQ(cmos_read(rtc, 8, 0), 0x02);
    EXPECT_EQ(cmos_read(rtc, 7, S), 0x01);
    EXPECT_EQ(cmos_read(rtc, 8, S), 0x03);
    CmosRtc y2038(2147483648);  // 2038-01-19 03:14:08, past 32-bit time
    EXPECT_EQ(cmos_read(y2038, 9, 0), 0x38);
    EXPECT_EQ(cmos_read(y2038, 4, 0), 0x03);
    EXPECT_EQ(cmos_read(y2038, 6, 0), 0x03);
}

TEST(CmosRtc, RamAndNmiMask) {
    CmosRtc rtc(0);
    rtc.write(0x70, 0x8f, 0);
    EXPECT_TRUE(rtc.nmi_disabled());
    rtc.write(0x71, 0xaa, 0);
    EXPECT_EQ(rtc.byte(0x0f), 0xaa) << "bit 7 of the index is the NMI mask, not the index";
    rtc.write(0x70, 0x0f, 0);
    EXPECT_FALSE(rtc.nmi_disabled());
    cmos_write(rtc, 0x7f, 0x55, 0);
    EXPECT_EQ(cmos_read(rtc, 0x7f, 0), 0x55);
}

// How SeaBIOS finds RAM: 3 GiB below 4 GiB, 2 GiB above.
TEST(CmosRtc, MemorySizesAsTheFirmwareReadsThem) {
    CmosRtc rtc(0);
    rtc.set_memory(3ull << 30, 2ull << 30);
    EXPECT_EQ(rtc.byte(0x15) | rtc.byte(0x16) << 8, 640);
    EXPECT_EQ(rtc.byte(0x30) | rtc.byte(0x31) << 8, 0xffff) << "capped";
    EXPECT_EQ(rtc.byte(0x17) | rtc.byte(0x18) << 8, 0xffff);
    EXPECT_EQ(rtc.byte(0x34) | rtc.byte(0x35) << 8, 48896) << "(3 GiB - 16 MiB) / 64 KiB";
    EXPECT_EQ(rtc.byte(0x5b) | rtc.byte(0x5c) << 8 | rtc.byte(0x5d) << 16, 32768) << "2 GiB / 64 KiB";
    rtc.set_memory(32ull << 20, 0);
    EXPECT_EQ(rtc.byte(0x30) | rtc.byte(0x31) << 8, 31 * 1024);
    EXPECT_EQ(rtc.byte(0x34) | rtc.byte(0x35) << 8, 256);
    EXPECT_EQ(rtc.byte(0x5b) | rtc.byte(0x5c) | rtc.byte(0x5d), 0);
    rtc.set_byte(0x5f, 1);
    EXPECT_EQ(cmos_read(rtc, 0x5f, 0), 1);
}

}  // namespace
