// AMD: SKINIT leaves the global interrupt flag clear (interrupts, NMIs, SMIs and
// INIT held), and the secure loader keeps it clear until the hypervisor has
// an interrupt table of its own. This sets it; STGI needs EFER.SVME for a
// moment. A no-op on CPUs without SVM (and harmless after a plain boot).
#pragma once
#include "cpu.hpp"

namespace keel::x86 {

inline void set_global_interrupt_flag() {
    if (!(cpuid(0x80000001).ecx & (1u << 2))) return;
    uint64_t efer = rdmsr(msr::EFER);
    wrmsr(msr::EFER, efer | efer::SVME);
    asm volatile("stgi" ::: "memory");
    wrmsr(msr::EFER, efer);
}

}  // namespace keel::x86
