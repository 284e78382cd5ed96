// Interrupt descriptor table: a gate for every vector. Exceptions print a
// register dump and halt the machine; NMIs and INITs redirected to #SX are
// counted and survived; the local APIC timer and the spurious vector have
// handlers of their own; any other interrupt is counted and acknowledged.
#pragma once
#include <stdint.h>

#include "interrupt_frame.hpp"

namespace keel::x86::idt {

using Handler = void (*)(InterruptFrame&);

// Fills the table (one for every CPU) and loads it; load() on the others.
void init();
void load();
// NMIs taken so far (they are reported and survived, not fatal).
uint64_t nmi_count();
// Interrupts on vectors without a handler, counted and acknowledged.
uint64_t stray_count();
// Interrupts taken on `vector` (>= 32), with a handler or without.
uint32_t arrival_count(uint8_t vector);
// INITs the CPU turned into #SX (VM_CR.R_INIT) and the kernel ignored.
uint64_t init_count();
// Routes a non-exception vector (>= 32) to `handler`.
void set_handler(uint8_t vector, Handler handler);
// Exceptions raised in ring 3 go to `handler` (the fault is the user
// thread's, not the kernel's); it does not return to the frame.
void set_user_fault_handler(Handler handler);

}  // namespace keel::x86::idt
