// Running user threads and vCPUs on this CPU: the hypercall entry, ring 3's
// faults, the timer's preemption, guest exits, and idling while every EC
// waits. The scheduler decides who runs; this loads that thread's
// registers, page table and I/O bitmap into the CPU, or enters that vCPU's
// guest. Every CPU runs this with its own scheduler, under the kernel lock
// (x86/kernel_lock.hpp); user level ends when no CPU has anything left to
// run or wait for, or when the root task powers off.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/interrupt_frame.hpp"
#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/hypercall.hpp"
#include "hypervisor/kernel/scheduler.hpp"

namespace keel::user {

enum class Outcome {
    PoweredOff,  // the root task asked (ctrl_hw)
    PoweredOffFailed,  // the same, saying that what it ran failed
    NothingToRun,  // every thread ended or waits with nothing that could wake it
};

// What the kernel says about a thread that faulted, or a vCPU that exited
// (`vector`: the event), without a portal to handle it (so tests and
// operators see it), with the PD's name.
using FaultReport = void (*)(const Ec& ec, uint64_t vector, uint64_t error, uint64_t address);

// Hooks the SYSCALL entry, ring 3's exceptions and the timer; once, at boot.
void init(uint32_t tick_us);
// On the boot CPU: runs user level on every one of `cpus` CPUs (scheduler i
// for CPU i) until the machine is powered off or nothing can run any more;
// returns once the other CPUs have left it.
Outcome run(Scheduler* schedulers, unsigned cpus, HypercallContext& k, FaultReport report);
// On every other CPU: waits until run() begins, then takes part.
void run_ap();
// A device's interrupt bound to `sm` (assign_int) arrived in `frame`.
void device_interrupt(Sm& sm, x86::InterruptFrame& frame);
// For ctrl_hw's power off.
[[noreturn]] void power_off(bool failed);

}  // namespace keel::user
