// The guest's general-purpose registers as the instruction encoding numbers
// them, so that a decoded register number indexes them directly (the UTCB
// orders them by MTD group instead).
#pragma once
#include <stdint.h>

#include "abi/utcb.hpp"

namespace keel::vmm::x86 {

enum Gpr : uint8_t { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

struct Registers {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
};

// The copies need GPR_ACDB, GPR_BSD, GPR_R8_R15, RSP, RIP_LEN and RFLAGS in
// the exit's MTD (and the reply's, after an emulation).
Registers registers_of(const abi::VcpuState& s);
void store_registers(const Registers& r, abi::VcpuState& s);

}  // namespace keel::vmm::x86
