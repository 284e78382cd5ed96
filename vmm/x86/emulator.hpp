// Executes one decoded instruction whose memory operand faulted on a nested
// page (MMIO: the local APIC, the I/O APIC, HPET, PCI BARs). The nested
// page fault reports the guest-physical address of the access, so the
// emulator sends the memory operand there and never translates the linear
// address itself. Executed: MOV (88-8B, A0-A3, C6/C7 /0), MOVZX, MOVSX,
// MOVSXD, the eight ALU operations on memory (00-3B, 80/81/83) with their
// flags, TEST (84/85, F6/F7 /0), XCHG (86/87), BT (0F A3 within the
// operand, 0F BA /4), STOS with or without REP (one element per exit).
// MOVS is Unsupported: which of its two operands faulted is not known.
#pragma once
#include <stdint.h>

#include "lib/status.hpp"
#include "vmm/x86/decoder.hpp"
#include "vmm/x86/registers.hpp"

namespace keel::vmm::x86 {

// One device access of `size` bytes (1, 2, 4 or 8) at `gpa`: a read sets
// `value`, a write takes it. False: nothing answers there.
using MmioAccess = bool (*)(void* ctx, uint64_t gpa, unsigned size, bool write, uint64_t& value);

struct Mmio {
    MmioAccess access;
    void* ctx;
};

// Ok: the access is done, the destination register and the arithmetic
// flags written as the CPU would, RIP past the instruction (wrapped to IP
// or EIP outside 64-bit mode). Unsupported: an instruction without a
// memory operand or outside the set. NotFound: the device refused an
// access. On any status but Ok the registers are as they were (a device
// may have seen a read of a read-modify-write whose write it refused).
Status emulate(const Instruction& insn, Mode mode, uint64_t gpa, Registers& regs, Mmio mmio);

// What an instruction does to its memory operand, for checking it against
// the nested page fault before emulating: a write fault on an instruction
// that only reads means the guest changed the code since the exit.
struct MemoryAccess {
    unsigned size = 0;  // 0: no memory operand the emulator executes
    bool read = false;
    bool write = false;
};
MemoryAccess memory_access(const Instruction& insn);

// The memory operand's offset in its segment (base + index * scale +
// displacement, RIP-relative from the next instruction), wrapped to the
// address size: what a VMM checks the fault against or translates.
uint64_t effective_address(const Instruction& insn, const Registers& regs);

}  // namespace keel::vmm::x86
