// The host's CPUID, executed by the VMM (ring 3 may), for the guest's view
// (cpuid_view.hpp) to start from.
#pragma once
#include <stdint.h>

#include "vmm/common/cpuid_view.hpp"

namespace keel::vmm {

inline CpuidRegs host_cpuid(uint32_t leaf, uint32_t subleaf) {
    CpuidRegs r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

}  // namespace keel::vmm
