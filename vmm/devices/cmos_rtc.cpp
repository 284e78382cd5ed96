#include "vmm/devices/cmos_rtc.hpp"

#include "lib/civil_time.hpp"

namespace keel::vmm::dev {

namespace {
enum : uint8_t {
    SECONDS = 0,
    MINUTES = 2,
    HOURS = 4,
    WEEKDAY = 6,
    DAY = 7,
    MONTH = 8,
    YEAR = 9,
    REG_A = 0x0a,
    REG_B = 0x0b,
    REG_C = 0x0c,
    REG_D = 0x0d,
};
constexpr uint8_t A_UIP = 0x80;
constexpr uint8_t B_SET = 0x80, B_BINARY = 0x04, B_24H = 0x02;
constexpr uint8_t D_VRT = 0x80;  // the battery is good: the time is valid

constexpr bool is_time_register(uint8_t index) {
    return index == SECONDS || index == MINUTES || index == HOURS || index == WEEKDAY || index == DAY ||
           index == MONTH || index == YEAR || index == CmosRtc::CENTURY;
}
}  // namespace

CmosRtc::CmosRtc(int64_t unix_seconds_at_start) : start_seconds_(unix_seconds_at_start) {
    cmos_[REG_A] = 0x26;  // 32.768 kHz time base, 1024 Hz periodic rate: as a BIOS leaves it
    cmos_[REG_B] = B_24H;
    cmos_[REG_D] = D_VRT;
}

int64_t CmosRtc::unix_time(uint64_t now_ns) const {
    return start_seconds_ + int64_t(now_ns / 1000000000) + offset_seconds_;
}

uint8_t CmosRtc::encode(unsigned v) const {
    v %= 100;
    return (cmos_[REG_B] & B_BINARY) ? uint8_t(v) : uint8_t((v / 10) << 4 | v % 10);
}

bool CmosRtc::decode(uint8_t raw, unsigned& v) const {
    if (cmos_[REG_B] & B_BINARY) {
        v = raw;
        return true;
    }
    if ((raw & 15) > 9 || (raw >> 4) > 9) return false;
    v = (raw >> 4) * 10u + (raw & 15);
    return true;
}

// 12-hour mode: 12 AM is midnight, bit 7 marks PM.
uint8_t CmosRtc::encode_hour(unsigned hour) const {
    if (cmos_[REG_B] & B_24H) return encode(hour);
    unsigned h12 = hour % 12 ? hour % 12 : 12;
    return uint8_t(encode(h12) | (hour >= 12 ? 0x80 : 0));
}

bool CmosRtc::decode_hour(uint8_t raw, unsigned& hour) const {
    if (cmos_[REG_B] & B_24H) return decode(raw, hour);
    unsigned h12;
    if (!decode(raw & 0x7f, h12) || h12 < 1 || h12 > 12) return false;
    hour = h12 % 12 + ((raw & 0x80) ? 12 : 0);
    return true;
}

void CmosRtc::snapshot(uint64_t now_ns) {
    civil::Time t = civil::from_unix(unix_time(now_ns));
    int64_t year = t.year < 0 ? 0 : t.year;
    cmos_[SECONDS] = encode(t.second);
    cmos_[MINUTES] = encode(t.minute);
    cmos_[HOURS] = encode_hour(t.hour);
    cmos_[WEEKDAY] = encode(t.weekday);
    cmos_[DAY] = encode(t.day);
    cmos_[MONTH] = encode(t.month);
    cmos_[YEAR] = encode(unsigned(year % 100));
    cmos_[CENTURY] = encode(unsigned(year / 100 % 100));
}

// A time the guest wrote that is no date (month 13, a BCD digit above 9)
// leaves the clock as it was.
void CmosRtc::commit(uint64_t now_ns) {
    civil::Time t{};
    unsigned year, century;
    if (!decode(cmos_[SECONDS], t.second) || !decode(cmos_[MINUTES], t.minute) || !decode_hour(cmos_[HOURS], t.hour) ||
        !decode(cmos_[DAY], t.day) || !decode(cmos_[MONTH], t.month) || !decode(cmos_[YEAR], year) ||
        !decode(cmos_[CENTURY], century) || year > 99 || century > 99)
        return;
    t.year = int64_t(century) * 100 + year;
    int64_t wanted;
    if (!civil::to_unix(t, wanted)) return;
    offset_seconds_ += wanted - unix_time(now_ns);
}

uint8_t CmosRtc::read(uint16_t port, uint64_t now_ns) {
    if (port != 0x71) return 0xff;  // the index register is write-only
    uint8_t index = index_;
    if (is_time_register(index) && !(cmos_[REG_B] & B_SET)) snapshot(now_ns);
    switch (index) {
    case REG_A: return cmos_[REG_A] & uint8_t(~A_UIP);
    case REG_C: {  // reading acknowledges the interrupt flags
        uint8_t flags = cmos_[REG_C];
        cmos_[REG_C] = 0;
        return flags;
    }
    case REG_D: return D_VRT;
    default: return cmos_[index];
    }
}

void CmosRtc::write(uint16_t port, uint8_t value, uint64_t now_ns) {
    if (port == 0x70) {
        index_ = value & 0x7f;
        nmi_disabled_ = value & 0x80;
        return;
    }
    if (port != 0x71) return;
    uint8_t index = index_;
    bool frozen = cmos_[REG_B] & B_SET;
    switch (index) {
    case REG_A: cmos_[REG_A] = value & uint8_t(~A_UIP); return;
    case REG_B:
        // SET freezes the time registers as they stand so the guest can
        // write them one by one; clearing it starts the clock at them.
        if ((value & B_SET) && !frozen) snapshot(now_ns);
        cmos_[REG_B] = value;
        if (frozen && !(value & B_SET)) commit(now_ns);
        return;
    case REG_C:
    case REG_D: return;  // read-only
    default: break;
    }
    if (!is_time_register(index)) {
        cmos_[index] = value;
        return;
    }
    if (!frozen) snapshot(now_ns);
    cmos_[index] = value;
    if (!frozen) commit(now_ns);
}

// As SeaBIOS and QEMU lay them out: base memory in KiB; memory from 1 MiB in
// KiB (twice, 0x17 and 0x30), at most 0xffff; memory from 16 MiB to 4 GiB in
// 64 KiB units; memory above 4 GiB in 64 KiB units, three bytes.
void CmosRtc::set_memory(uint64_t below_4g, uint64_t above_4g) {
    constexpr uint64_t KIB = 1024, MIB = 1024 * KIB;
    auto put16 = [this](uint8_t at, uint64_t v) {
        if (v > 0xffff) v = 0xffff;
        cmos_[at] = uint8_t(v);
        cmos_[at + 1] = uint8_t(v >> 8);
    };
    put16(0x15, below_4g / KIB < 640 ? below_4g / KIB : 640);
    uint64_t extended = below_4g > MIB ? (below_4g - MIB) / KIB : 0;
    put16(0x17, extended);
    put16(0x30, extended);
    put16(0x34, below_4g > 16 * MIB ? (below_4g - 16 * MIB) / (64 * KIB) : 0);
    uint64_t high = above_4g / (64 * KIB);
    if (high > 0xffffff) high = 0xffffff;
    cmos_[0x5b] = uint8_t(high);
    cmos_[0x5c] = uint8_t(high >> 8);
    cmos_[0x5d] = uint8_t(high >> 16);
}

}  // namespace keel::vmm::dev
