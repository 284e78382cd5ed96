// Running user threads: the hypercall entry and the faults of ring 3. One
// CPU and one thread so far (the root task's first EC); the scheduler, and
// with it ECs that block and are preempted, comes next.
#pragma once
#include <stdint.h>

#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/hypercall.hpp"

namespace keel::user {

struct Outcome {
    enum class Kind { PoweredOff, Faulted } kind;
    uint64_t vector = 0, error = 0, rip = 0, address = 0;  // of a fault
};

// Hooks the SYSCALL entry and ring 3's exceptions; once, at boot.
void init();
// Runs `ec` in ring 3, serving its hypercalls through `k`, until it faults
// (the thread ends; the kernel carries on) or powers the machine off.
Outcome run(Ec& ec, HypercallContext& k);
// For ctrl_hw's power off: ends run() with PoweredOff.
[[noreturn]] void power_off();

}  // namespace keel::user
