// One x86 instruction decoded from guest memory. Under SVM without NextRIP
// or decode assists (QEMU's TCG) the VMM learns nothing from the hardware
// but the exit reason and, for a nested page fault, the guest-physical
// address: the length of an intercepted instruction and the operands of an
// MMIO access come from here. The decoder knows a fixed set of instructions
// (those a VMM intercepts and those Linux's MMIO accessors compile to) and
// says Unsupported for every other opcode, so a length it gives is never a
// guess. Pure and freestanding: unit-tested and fuzzed on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/utcb.hpp"
#include "lib/status.hpp"

namespace keel::vmm::x86 {

inline constexpr size_t MAX_INSTRUCTION_LENGTH = 15;  // longer raises #GP on every CPU

// The default operand and address size of the code segment: real and
// virtual-8086 mode and 16-bit protected mode are Bits16.
enum class Mode : uint8_t { Bits16, Bits32, Bits64 };

// CS.L with EFER.LMA is 64-bit, else CS.D in protected mode is 32-bit.
Mode mode_of(const abi::VcpuState& s);
// From CS alone (L: 64-bit, else D: 32-bit, else 16-bit), for an exit
// whose portal does not carry the control registers: right in every mode
// but a 64-bit code segment outside long mode and big real mode.
Mode mode_of_code_segment(const abi::Segment& cs);

enum class Operation : uint8_t {
    // Intercepted: the VMM completes them and moves RIP past. They come
    // first, up to Invlpg: is_intercepted() compares with it.
    In,
    Out,
    Ins,
    Outs,
    Cpuid,
    Rdmsr,
    Wrmsr,
    Hlt,
    Vmmcall,
    Xsetbv,
    Rdtsc,
    Rdtscp,
    Invlpg,
    // Data movement and arithmetic: what MMIO emulation executes.
    Mov,
    Movzx,
    Movsx,
    Movsxd,
    Add,
    Or,
    Adc,
    Sbb,
    And,
    Sub,
    Xor,
    Cmp,
    Test,
    Xchg,
    Bt,
    Stos,
    Movs,
};

// Instructions whose exit the VMM completes by moving RIP past them (no
// memory operand is emulated): what an exit without NextRIP needs a
// length for.
bool is_intercepted(Operation op);

// Where the operands are: E is the ModRM r/m operand (or a moffs), G the
// register operand, I the immediate. The first named is the destination.
enum class Form : uint8_t {
    None,  // no explicit operands (CPUID, HLT, string and port I/O...)
    EG,  // r/m <- reg (MOV 89, ADD 01, TEST 85, XCHG 87, BT 0F A3)
    GE,  // reg <- r/m (MOV 8B, MOVZX, ADD 03)
    EI,  // r/m <- imm (MOV C7, group 1, TEST F7, BT 0F BA)
    GI,  // reg <- imm (MOV B8+r, ADD 05 with rAX, TEST A9)
    E,  // r/m alone (INVLPG)
};

enum class Segment : uint8_t { Es, Cs, Ss, Ds, Fs, Gs, None };

enum class Rep : uint8_t { None, Rep, Repne };  // F3 and F2, the last one given

inline constexpr uint8_t NO_REGISTER = 0xff;
inline constexpr uint8_t RIP_BASE = 16;  // Memory::base of a RIP-relative operand

// A general-purpose register in encoding order (0 rax ... 15 r15). With
// high_byte, bits 8-15 of registers 0-3 (AH, CH, DH, BH: byte registers
// 4-7 without a REX prefix).
struct Register {
    uint8_t number = NO_REGISTER;
    bool high_byte = false;
};

// The memory operand's effective address: base + index * scale +
// displacement, truncated to the address size (the VMM adds the segment
// base for a linear address). A nested page fault gives the
// guest-physical address directly, so the emulator needs none of this.
struct Memory {
    uint8_t base = NO_REGISTER;  // a register, RIP_BASE, or none
    uint8_t index = NO_REGISTER;
    uint8_t scale = 1;
    int64_t displacement = 0;  // sign-extended (a moffs: zero-extended)
    Segment segment = Segment::Ds;  // the override, or DS/SS by the base
};

struct Instruction {
    uint8_t length = 0;
    Operation op = Operation::Hlt;
    Form form = Form::None;
    uint8_t operand_size = 0;  // bytes, of the destination (0 where meaningless)
    uint8_t source_size = 0;  // bytes, of MOVZX/MOVSX/MOVSXD's memory source
    uint8_t address_size = 0;  // bytes: 2, 4 or 8
    bool has_memory = false;  // E is memory (else E is `rm`, a register); STOS's ES:rDI too
    Register reg;  // G, or I's register destination
    Register rm;  // E when it is a register
    Memory memory;  // E when it is memory
    uint64_t immediate = 0;  // sign- or zero-extended to 64 bits as the instruction uses it
    Segment segment_override = Segment::None;
    Rep rep = Rep::None;
    bool lock = false;
    bool operand_size_prefix = false;  // 66
    bool address_size_prefix = false;  // 67
    uint8_t rex = 0;  // 0x40-0x4f when one counts, else 0
};

// Decodes the instruction at `bytes`, reading at most min(available, 15)
// bytes. Ok: `out` is filled and out.length <= available. Truncated: the
// instruction continues past `available`. Unsupported: an opcode outside
// the decoder's set. Malformed: the CPU would raise #UD or #GP (longer
// than 15 bytes, LOCK where it is not allowed). `out` only counts on Ok.
Status decode(const uint8_t* bytes, size_t available, Mode mode, Instruction& out);

}  // namespace keel::vmm::x86
