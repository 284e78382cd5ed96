// Application processors: started after the launch, through code that is
// part of the measured image (ap_boot.S), each with its own GDT, TSS,
// stacks, SYSCALL entry and APIC timer (cpu_local.hpp). Keel parses no
// firmware table to find them: the STARTUP IPI goes to every other CPU
// and each one that arrives takes the next index. That keeps an untrusted
// parser (ACPI's MADT) out of the kernel; a CPU the firmware disabled is
// not woken by it (it stays in reset), and one beyond MAX_CPUS parks.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/cpu_local.hpp"
#include "lib/status.hpp"

namespace keel::x86::smp {

// What the kernel does on an AP once its CPU state is set up; never returns.
using ApEntry = void (*)(CpuLocal& cpu);

// The start-up page: below 1 MiB, 4 KiB aligned. The kernel picks one in
// usable RAM that holds nothing it keeps.
inline constexpr uint64_t MAX_START_PAGE = 0xff000;

struct StartReport {
    unsigned online;  // CPUs running the kernel, this one included
    unsigned parked;  // arrived beyond MAX_CPUS
};

// Starts the other CPUs and waits until `quiet_ticks` timer ticks pass with
// no new arrival. The boot CPU's CR0 and CR4 become every AP's.
[[nodiscard]] Status start_others(uint64_t page, ApEntry entry, uint64_t quiet_ticks, StartReport& report);

}  // namespace keel::x86::smp
