// The arithmetic flags of the ALU operations the emulator executes, computed
// as the hardware does (tests compare them with the host CPU's).
#pragma once
#include <stdint.h>

#include "vmm/x86/decoder.hpp"

namespace keel::vmm::x86 {

namespace rflags {
inline constexpr uint64_t CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, OF = 1 << 11;
inline constexpr uint64_t ARITHMETIC = CF | PF | AF | ZF | SF | OF;
}  // namespace rflags

struct AluResult {
    uint64_t value;  // masked to the operand size
    uint64_t flags;  // the six arithmetic flags; the others are 0
};

// ADD, OR, ADC, SBB, AND, SUB, XOR, CMP (as SUB) and TEST (as AND) on
// `size`-byte operands; `rflags` gives ADC's and SBB's carry in. AF after a
// logical operation is architecturally undefined: 0 here, as the CPUs give.
AluResult alu(Operation op, uint64_t a, uint64_t b, unsigned size, uint64_t rflags);

inline uint64_t size_mask(unsigned size) { return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * size)) - 1; }

}  // namespace keel::vmm::x86
