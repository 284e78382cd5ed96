// The 8254 programmable interval timer (ports 0x40-0x43) and the PC's port
// 0x61 (channel 2's gate, the speaker, OUT2 and the refresh toggle). Time
// comes from the VMM: every call takes its monotonic clock in nanoseconds,
// and the counters are computed from it, never ticked. Channel 0's output is
// IRQ 0: the VMM asks irq0_edges() how many rising edges passed and
// next_irq0_ns() when to look again.
//
// Modes 0-5, binary or BCD counting, LSB/MSB/LSB-then-MSB access, the latch
// and read-back commands. A new count in modes 2 and 3 takes effect at once
// rather than at the end of the current period.
//
// Ports are 8-bit; wider accesses are split by PortBus. Integer arithmetic
// only, exact and without overflow for clocks of centuries. Pure: unit-tested.
#pragma once
#include <stdint.h>

namespace keel::vmm::dev {

class Pit8254 {
public:
    static constexpr uint64_t FREQUENCY_HZ = 1193182;
    static constexpr uint64_t NEVER = ~uint64_t(0);

    // Floor of the ticks in ns nanoseconds, and the least nanoseconds that
    // hold ticks ticks.
    static uint64_t ticks_in(uint64_t ns);
    static uint64_t ns_for(uint64_t ticks);

    uint8_t read(uint16_t port, uint64_t now_ns);  // 0x40-0x43, 0x61
    void write(uint16_t port, uint8_t value, uint64_t now_ns);

    // Rising edges of channel 0's output since the last call (or since it was
    // programmed), and when the next one is due: NEVER if none will come.
    uint64_t irq0_edges(uint64_t now_ns);
    uint64_t next_irq0_ns(uint64_t now_ns) const;

    bool out(unsigned channel, uint64_t now_ns) const;

private:
    struct Channel {
        uint8_t mode = 0, access = 3;  // access: 1 LSB, 2 MSB, 3 LSB then MSB
        bool bcd = false;
        bool gate = true;
        bool loaded = false;  // a full count was written: it counts
        bool triggered = false;  // modes 1 and 5: the gate rose since the count was written
        bool counting = true;  // the gate lets it count now
        uint32_t count = 0;  // the count written: 1-65536, or 1-10000 in BCD
        uint64_t start_ns = 0;  // when counting (re)started
        uint64_t base_ticks = 0;  // ticks counted before start_ns (a gate held it)
        uint64_t edges_seen = 0;  // IRQ 0: the rising edges already reported
        uint8_t write_low = 0;  // the LSB of a count half written
        bool write_msb_next = false, read_msb_next = false;
        bool count_latched = false, status_latched = false, latch_msb_next = false;
        uint16_t latch = 0;
        uint8_t status = 0;

        uint64_t ticks(uint64_t now_ns) const;  // ticks counted since the count was loaded
        bool running() const { return loaded && ((mode != 1 && mode != 5) || triggered); }
        uint16_t value(uint64_t now_ns) const;  // the counting element, as read
        bool out(uint64_t now_ns) const;
        uint64_t edges_until(uint64_t ticks) const;  // rising edges of OUT in (0, ticks]
        uint64_t next_edge_after(uint64_t ticks) const;  // the tick of the next one, or NEVER
        void set_gate(bool level, uint64_t now_ns);
        void control(uint8_t value);
        void latch_count(uint64_t now_ns);
        void load(uint32_t raw, uint64_t now_ns);
        uint8_t read_byte(uint64_t now_ns);
        void write_byte(uint8_t value, uint64_t now_ns);
    };

    Channel channel_[3];
    uint8_t port61_ = 0;  // bits 0-3 as written: gate 2, speaker, parity and channel checks
};

}  // namespace keel::vmm::dev
