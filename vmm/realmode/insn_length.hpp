// The length of the instruction a vCPU exited on, where the hardware does
// not say (SVM without NextRIP, as under QEMU's TCG): decoded from guest
// memory for the instructions whose exits this VMM completes. Pure:
// unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm {

// CPUID, RDMSR, WRMSR, HLT, VMMCALL and XSETBV, after any legacy prefixes,
// within `available` bytes (at most 15 count); 0 for anything else.
unsigned exit_instruction_length(const uint8_t* bytes, size_t available);

}  // namespace keel::vmm
