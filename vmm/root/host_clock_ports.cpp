// The host RTC's ports (the pure decoding is host_clock.cpp's).
#include "vmm/root/host_clock.hpp"

namespace keel::root {
namespace {

constexpr uint16_t INDEX = 0x70, DATA = 0x71;
constexpr uint8_t SECONDS = 0, MINUTES = 2, HOURS = 4, DAY = 7, MONTH = 8, YEAR = 9, STATUS_A = 0x0a, STATUS_B = 0x0b,
                  CENTURY = 0x32;
constexpr uint8_t A_UPDATE_IN_PROGRESS = 0x80;
// An update takes under 2 ms after UIP rises: 10,000 polls of a port are
// more; an RTC that never clears it is none.
constexpr unsigned UPDATE_WAIT = 10000, READ_TRIES = 5;

uint8_t cmos(uint8_t index) {
    uint8_t v;
    // Bit 7 of the index is the NMI mask: left clear, NMIs stay enabled.
    asm volatile("outb %0, %1" ::"a"(uint8_t(index & 0x7f)), "Nd"(INDEX));
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(DATA));
    return v;
}

bool read_registers(RtcRegisters& r) {
    if (cmos(STATUS_A) == 0xff) return false;  // nothing on the bus
    for (unsigned i = 0; i < UPDATE_WAIT && (cmos(STATUS_A) & A_UPDATE_IN_PROGRESS); ++i) {}
    r = {cmos(SECONDS), cmos(MINUTES), cmos(HOURS), cmos(DAY), cmos(MONTH), cmos(YEAR), cmos(CENTURY), cmos(STATUS_B)};
    return !(cmos(STATUS_A) & A_UPDATE_IN_PROGRESS);
}

}  // namespace

bool read_host_clock(int64_t& unix_seconds) {
    // Two reads that agree: no update fell between their registers.
    RtcRegisters a{}, b{};
    for (unsigned i = 0; i < READ_TRIES; ++i) {
        if (!read_registers(a) || !read_registers(b)) continue;
        if (a.second == b.second && a.minute == b.minute && a.hour == b.hour && a.day == b.day && a.month == b.month &&
            a.year == b.year)
            return rtc_to_unix(b, unix_seconds);
    }
    return false;
}

}  // namespace keel::root
