// The host's wall clock, read from its MC146818 RTC (ports 0x70/0x71, which
// the root task holds and the kernel never uses): where the Linux VMMs start
// their guests' clocks, so that a guest is not at 1970 (and the certificates
// its agent checks are not all "not yet valid"). Like any host time it is
// not measured and nothing measured depends on it.
#pragma once
#include <stdint.h>

namespace keel::root {

// The RTC's time registers as read (BCD or binary, 12- or 24-hour, as
// status register B says), and the century byte (0x32; 0: none).
struct RtcRegisters {
    uint8_t second, minute, hour, day, month, year, century, status_b;
};

// Unix seconds of what the registers show; false if they show no date
// (a digit that is no BCD digit, a month 13, ...). Pure: unit-tested.
bool rtc_to_unix(const RtcRegisters& r, int64_t& unix_seconds);

// Reads the host's RTC between two updates; false if none answers sensibly.
bool read_host_clock(int64_t& unix_seconds);

}  // namespace keel::root
