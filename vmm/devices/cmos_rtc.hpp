// The MC146818 real-time clock and its 128 bytes of CMOS (index 0x70, bit 7
// of which is the NMI mask; data 0x71). The clock is the VMM's: Unix seconds
// at its start plus its monotonic nanoseconds since; a guest that sets the
// time moves an offset, never the host's clock. The firmware's bytes (memory
// sizes, the century) are the VMM's to fill in before the guest runs.
//
// Update-in-progress is never set: an update is instant here, and a reader
// that waits for UIP to clear must never wait for long. Periodic, alarm and
// update interrupts are not generated (register C reads as no flags).
//
// Ports are 8-bit; wider accesses are split by PortBus. Pure: unit-tested.
#pragma once
#include <stdint.h>

namespace keel::vmm::dev {

class CmosRtc {
public:
    static constexpr uint8_t CENTURY = 0x32;

    explicit CmosRtc(int64_t unix_seconds_at_start);
    // The wall clock at the VMM's time 0 (before the guest runs).
    void set_start(int64_t unix_seconds_at_start) { start_seconds_ = unix_seconds_at_start; }

    uint8_t read(uint16_t port, uint64_t now_ns);  // 0x70, 0x71
    void write(uint16_t port, uint8_t value, uint64_t now_ns);

    // The firmware's view of RAM as SeaBIOS and Linux's early code read it:
    // below 4 GiB (everything from 0) and above it.
    void set_memory(uint64_t below_4g_bytes, uint64_t above_4g_bytes);
    void set_byte(uint8_t index, uint8_t value) { cmos_[index & 0x7f] = value; }
    uint8_t byte(uint8_t index) const { return cmos_[index & 0x7f]; }
    bool nmi_disabled() const { return nmi_disabled_; }
    int64_t unix_time(uint64_t now_ns) const;  // the guest's wall clock

private:
    uint8_t encode(unsigned value) const;
    bool decode(uint8_t raw, unsigned& value) const;
    uint8_t encode_hour(unsigned hour) const;
    bool decode_hour(uint8_t raw, unsigned& hour) const;
    void snapshot(uint64_t now_ns);  // the clock into the time registers
    void commit(uint64_t now_ns);  // the time registers into the clock

    int64_t start_seconds_;
    int64_t offset_seconds_ = 0;
    uint8_t cmos_[128] = {};
    uint8_t index_ = 0;
    bool nmi_disabled_ = false;
};

}  // namespace keel::vmm::dev
