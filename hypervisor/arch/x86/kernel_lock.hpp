// The kernel lock: one CPU at a time runs kernel code that touches kernel
// objects (hypercalls, faults, exits, scheduling). Taken on every entry
// from ring 3 or a guest, given back on the way out and while idle. Kernel
// paths are short and run with interrupts off, so one lock costs little on
// the few CPUs Keel targets and leaves no lock order to get wrong; NOVA's
// per-object locks are the way on when measurements say so.
#pragma once
#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/tlb.hpp"

namespace keel::x86::kernel_lock {

inline constinit volatile uint32_t word = 0;

// Contended: spin with interrupts off, flagged so that a TLB shootdown by
// the holder does not wait for this CPU (it catches up once it holds the lock).
[[gnu::noinline]] inline void acquire_slow() {
    CpuLocal& c = here();
    c.lock_waiting = true;
    do
        while (word) pause();
    while (__atomic_exchange_n(&word, 1u, __ATOMIC_ACQUIRE));
    c.lock_waiting = false;
    tlb::catch_up();
}

inline void acquire() {
    if (__atomic_exchange_n(&word, 1u, __ATOMIC_ACQUIRE)) [[unlikely]]
        acquire_slow();
}

inline void release() { __atomic_store_n(&word, 0u, __ATOMIC_RELEASE); }

}  // namespace keel::x86::kernel_lock
