// Local APIC: enabled in xAPIC mode, its timer calibrated against the PIT
// and run periodically. The tick count is the kernel's sense of time.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/interrupt_frame.hpp"
#include "lib/status.hpp"

namespace keel::x86::lapic {

struct TimerInfo {
    uint32_t hz;  // periodic rate
    uint32_t bus_ticks_per_ms;  // APIC timer input (after the /16 divider)
};

// Requires the APIC page to be mapped uncached at its physical address.
[[nodiscard]] Status init(uint64_t& mmio_base);
[[nodiscard]] Status start_timer(uint32_t hz, TimerInfo& info);
// Acknowledges `vector` if the local APIC delivered it (its in-service bit
// is set). A vector some other path delivered (a PIC's spurious IRQ) must not
// be acknowledged, and one the APIC delivered must be, or every interrupt of
// its priority class and below stays blocked.
void eoi_if_in_service(uint8_t vector);
// Sends this CPU a fixed interrupt on `vector` (32-255).
[[nodiscard]] Status send_self_ipi(uint8_t vector);
// Sends this CPU an INIT (tests: VM_CR.R_INIT must turn it into #SX).
void send_self_init();
// Sends this CPU a non-maskable interrupt.
void send_self_nmi();
// The boot CPU's ticks.
uint64_t ticks();
// An application processor's APIC: enabled, its timer at the boot CPU's rate.
void init_ap();
// This CPU's APIC ID.
uint32_t id();
void eoi();
// A fixed interrupt on `vector` to the CPU with `apic_id`.
[[nodiscard]] Status send_ipi(uint32_t apic_id, uint8_t vector);
// INIT, then twice STARTUP at page `sipi_page` (its physical address / 4 KiB,
// below 1 MiB) to every other CPU.
[[nodiscard]] Status start_others(uint8_t sipi_page);
// Called on every timer tick after the acknowledgement, with the frame the
// tick interrupted (the scheduler's clock).
void set_tick_hook(void (*hook)(InterruptFrame&));

}  // namespace keel::x86::lapic
