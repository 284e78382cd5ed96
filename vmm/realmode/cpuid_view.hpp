// The guest's CPUID: the host's answer with what this VMM does not
// virtualize hidden, in every leaf that reports it (a feature hidden in one
// leaf but described in another would mislead a guest into using it).
// Pure: unit-tested on the host.
#pragma once
#include <stdint.h>

namespace keel::vmm {

struct CpuidRegs {
    uint32_t eax, ebx, ecx, edx;
};

CpuidRegs guest_cpuid(uint32_t leaf, uint32_t subleaf, CpuidRegs host);

}  // namespace keel::vmm
