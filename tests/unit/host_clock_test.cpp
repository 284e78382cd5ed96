// The root task's reading of the host's RTC registers: BCD and binary,
// 12- and 24-hour, the century byte or none, and registers that show no date.
#include <gtest/gtest.h>

#include "vmm/root/host_clock.hpp"

namespace keel::root {
namespace {

constexpr uint8_t BCD_24H = 0x02, BINARY_24H = 0x06, BCD_12H = 0x00;

int64_t seconds(const RtcRegisters& r) {
    int64_t s = -1;
    EXPECT_TRUE(rtc_to_unix(r, s));
    return s;
}

TEST(HostClock, ReadsBcdAndBinaryRegistersAsTheSameTime) {
    // 2026-12-07 17:06:00 UTC.
    constexpr int64_t WHEN = 1796663160;
    EXPECT_EQ(seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0x20, BCD_24H}), WHEN);
    EXPECT_EQ(seconds({0, 6, 17, 7, 12, 26, 20, BINARY_24H}), WHEN);
    // Twelve-hour: 5 PM; 12 AM is midnight, 12 PM noon.
    EXPECT_EQ(seconds({0x00, 0x06, 0x85, 0x07, 0x12, 0x26, 0x20, BCD_12H}), WHEN);
    EXPECT_EQ(seconds({0x00, 0x00, 0x12, 0x07, 0x12, 0x26, 0x20, BCD_12H}), WHEN - 17 * 3600 - 6 * 60);
    EXPECT_EQ(seconds({0x00, 0x00, 0x92, 0x07, 0x12, 0x26, 0x20, BCD_12H}), WHEN - 5 * 3600 - 6 * 60);
}

TEST(HostClock, WithoutACenturyByteItIsThisCentury) {
    EXPECT_EQ(seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0x00, BCD_24H}),
              seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0x20, BCD_24H}));
    EXPECT_EQ(seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0xff, BCD_24H}),
              seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0x20, BCD_24H}))
        << "a century byte that is no BCD number is not believed";
    EXPECT_EQ(seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0x48, BCD_24H}),
              seconds({0x00, 0x06, 0x17, 0x07, 0x12, 0x26, 0x20, BCD_24H}))
        << "nor one that is no plausible century (firmware keeping other data there)";
    EXPECT_EQ(seconds({0x00, 0x00, 0x00, 0x01, 0x01, 0x99, 0x19, BCD_24H}), 915148800) << "1999-01-01";
}

TEST(HostClock, RegistersThatShowNoDateAreRefused) {
    int64_t s = 42;
    for (RtcRegisters bad : {RtcRegisters{0x60, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD_24H},  // second 60
                             RtcRegisters{0x00, 0x00, 0x24, 0x01, 0x01, 0x26, 0x20, BCD_24H},  // hour 24
                             RtcRegisters{0x00, 0x00, 0x00, 0x01, 0x13, 0x26, 0x20, BCD_24H},  // month 13
                             RtcRegisters{0x00, 0x00, 0x00, 0x30, 0x02, 0x26, 0x20, BCD_24H},  // 30 February
                             RtcRegisters{0x00, 0x00, 0x00, 0x00, 0x01, 0x26, 0x20, BCD_24H},  // day 0
                             RtcRegisters{0x0a, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD_24H},  // no BCD digit
                             RtcRegisters{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  // no RTC: the bus floats
                             RtcRegisters{0x00, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, BCD_12H}}) {  // hour 0 in 12-hour
        EXPECT_FALSE(rtc_to_unix(bad, s));
        EXPECT_EQ(s, 42);
    }
}

}  // namespace
}  // namespace keel::root
