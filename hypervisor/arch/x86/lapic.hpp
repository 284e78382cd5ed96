// Local APIC: enabled in xAPIC mode, its timer calibrated against the PIT
// and run periodically. The tick count is the kernel's sense of time.
#pragma once
#include <stdint.h>

#include "../../lib/status.hpp"

namespace keel::x86::lapic {

struct TimerInfo {
    uint32_t hz;  // periodic rate
    uint32_t bus_ticks_per_ms;  // APIC timer input (after the /16 divider)
};

// Requires the APIC page to be mapped uncached at its physical address.
[[nodiscard]] Status init(uint64_t& mmio_base);
[[nodiscard]] Status start_timer(uint32_t hz, TimerInfo& info);
// Sends this CPU a non-maskable interrupt.
void send_self_nmi();
uint64_t ticks();

}  // namespace keel::x86::lapic
