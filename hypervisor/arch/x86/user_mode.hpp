// Ring 3: the SYSCALL entry (hypercalls), the stack ring 3's entries use,
// and entering and leaving a user thread. One CPU so far: the entry stack
// and the scratch slots in user_entry.S are global.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/interrupt_frame.hpp"

namespace keel::x86::user {

inline constexpr uint64_t SYSCALL_VECTOR = 0x100;  // InterruptFrame::vector of a hypercall
inline constexpr uint64_t INITIAL_RFLAGS = 0x202;  // IF, and the always-one bit
// CF PF AF ZF SF DF OF: the RFLAGS bits user level may set in a frame the
// kernel loads (never IOPL, TF or IF).
inline constexpr uint64_t ARITHMETIC_FLAGS = 0xcd5;

using SyscallHandler = void (*)(InterruptFrame&);

// SYSCALL's MSRs, the entry stack (TSS.RSP0), SMEP and SMAP where the CPU
// has them (the kernel never executes or reads through user mappings).
void init(SyscallHandler handler);

// The frame at the top of the entry stack: a running user thread's
// registers while the kernel serves it.
InterruptFrame& frame();

// Runs ring 3 from frame() (filled and sanitized by the caller) until leave() is called
// from a hypercall or fault handler; then returns.
void run();
[[noreturn]] void leave();

bool smep();
bool smap();

}  // namespace keel::x86::user
