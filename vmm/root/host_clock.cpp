#include "vmm/root/host_clock.hpp"

#include "lib/civil_time.hpp"

namespace keel::root {
namespace {

constexpr uint8_t B_BINARY = 0x04, B_24_HOUR = 0x02, HOUR_PM = 0x80;

bool decode(uint8_t raw, bool binary, unsigned& v) {
    if (binary) {
        v = raw;
        return true;
    }
    if ((raw & 0x0f) > 9 || (raw >> 4) > 9) return false;
    v = (raw >> 4) * 10u + (raw & 0x0f);
    return true;
}

}  // namespace

bool rtc_to_unix(const RtcRegisters& r, int64_t& unix_seconds) {
    const bool binary = r.status_b & B_BINARY;
    unsigned second, minute, hour, day, month, year, century = 20;
    if (!decode(r.second, binary, second) || !decode(r.minute, binary, minute) ||
        !decode(uint8_t(r.hour & ~HOUR_PM), binary, hour) || !decode(r.day, binary, day) ||
        !decode(r.month, binary, month) || !decode(r.year, binary, year) || year > 99)
        return false;
    if (!(r.status_b & B_24_HOUR)) {  // 12-hour: 12 AM is 0, 12 PM is 12
        if (hour < 1 || hour > 12) return false;
        hour = hour % 12 + ((r.hour & HOUR_PM) ? 12 : 0);
    }
    // A century byte that is no plausible century (firmware that keeps its
    // century elsewhere, or none) is not believed: this century.
    unsigned c;
    if (r.century && decode(r.century, binary, c) && c >= 19 && c <= 21) century = c;
    civil::Time t{int64_t(century) * 100 + year, month, day, hour, minute, second, 0};
    return civil::to_unix(t, unix_seconds);
}

}  // namespace keel::root
