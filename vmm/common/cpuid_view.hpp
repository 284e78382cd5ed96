// The guest's CPUID: the host's answer with what this VMM does not
// virtualize hidden, in every leaf that reports it (a feature hidden in one
// leaf but described in another would mislead a guest into using it), and
// the bits that follow the guest's own state (OSXSAVE, OSPKE, XSAVE's
// sizes) computed from that state. Pure: unit-tested on the host.
#pragma once
#include <stdint.h>

namespace keel::vmm {

struct CpuidRegs {
    uint32_t eax, ebx, ecx, edx;
};

// The host's CPUID (the VMM executes it; tests pass a table).
using HostCpuid = CpuidRegs (*)(uint32_t leaf, uint32_t subleaf);

// What CPUID's answer depends on in the guest.
struct GuestCpuState {
    uint64_t cr4;  // OSXSAVE, PKE
    uint64_t xcr0;  // XSAVE's area size for what is enabled
    uint64_t xcr0_allowed;  // guest_xcr0_allowed(host), worked out once
    // The VMM emulates an xAPIC for this vCPU (no x2APIC, no TSC deadline):
    // CPUID says so, with the vCPU's APIC ID.
    bool local_apic;
    uint8_t apic_id;
};

// `r`: the host's CPUID for this leaf and subleaf (every exit asks for
// one; only XSAVE's leaf needs more of `host`), made the guest's in place.
void guest_cpuid(uint32_t leaf, uint32_t subleaf, CpuidRegs& r, const GuestCpuState& guest, HostCpuid host);

// The XCR0 components a guest may enable: what the host has of x87, SSE,
// AVX and PKRU (AVX-512 is hidden), none without XSAVE.
uint64_t guest_xcr0_allowed(HostCpuid host);

}  // namespace keel::vmm
