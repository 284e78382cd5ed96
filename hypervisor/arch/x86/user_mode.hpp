// Ring 3: the SYSCALL entry (hypercalls), the stack ring 3's entries use,
// and entering and leaving a user thread. Each CPU has its own entry stack,
// scratch slots and SYSCALL entry (cpu_local.hpp).
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/interrupt_frame.hpp"

namespace keel::x86::user {

inline constexpr uint64_t SYSCALL_VECTOR = 0x100;  // InterruptFrame::vector of a hypercall
inline constexpr uint64_t INITIAL_RFLAGS = 0x202;  // IF, and the always-one bit
// CF PF AF ZF SF DF OF: the RFLAGS bits user level may set in a frame the
// kernel loads (never IOPL, TF or IF).
inline constexpr uint64_t ARITHMETIC_FLAGS = 0xcd5;

using SyscallHandler = void (*)(InterruptFrame&);

// SYSCALL's MSRs, the entry stack (TSS.RSP0), SMEP and SMAP where the CPU
// has them (the kernel never executes or reads through user mappings): for
// the boot CPU (init) and each other one (init_cpu).
void init(SyscallHandler handler);
void init_cpu();

// The frame at the top of a CPU's entry stack: a running user thread's
// registers while the kernel serves it.
InterruptFrame& frame(CpuLocal& cpu);

// Calls prepare() on the entry stack, which fills and sanitizes frame() (or
// calls leave()), then runs ring 3 from it until leave() is called from a
// hypercall, fault or interrupt handler; then returns.
void run(void (*prepare)());
[[noreturn]] void leave();

bool smep();
bool smap();

}  // namespace keel::x86::user
