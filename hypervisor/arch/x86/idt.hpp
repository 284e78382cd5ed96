// Interrupt descriptor table. Exceptions print a register dump and halt the
// machine; the local APIC timer and the spurious vector have handlers of
// their own. Which stubs exist is decided in isr.S.
#pragma once
#include <stdint.h>

#include "interrupt_frame.hpp"

namespace keel::x86::idt {

using Handler = void (*)(InterruptFrame&);

void init();
// NMIs taken so far (they are reported and survived, not fatal).
uint64_t nmi_count();
// Routes a non-exception vector (>= 32) to `handler`.
void set_handler(uint8_t vector, Handler handler);

}  // namespace keel::x86::idt
