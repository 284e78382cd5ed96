#include "vmm/common/guest_exits.hpp"

#include "lib/xcr0.hpp"
#include "vmm/common/host_cpuid.hpp"

namespace keel::vmm {

void init_guest_cpu(GuestCpuState& cpu) {
    cpu.xcr0 = xcr0::X87;
    cpu.xcr0_allowed = guest_xcr0_allowed(host_cpuid);
}

void answer_cpuid(GuestCpuState& cpu, abi::VcpuState& s) {
    uint32_t leaf = uint32_t(s.rax), subleaf = uint32_t(s.rcx);
    cpu.cr4 = s.qual[0];  // abi/event.hpp: CPUID's qualification
    CpuidRegs r = host_cpuid(leaf, subleaf);
    guest_cpuid(leaf, subleaf, r, cpu, host_cpuid);
    s.rax = r.eax, s.rbx = r.ebx, s.rcx = r.ecx, s.rdx = r.edx;
}

bool accept_xsetbv(GuestCpuState& cpu, abi::VcpuState& s) {
    uint64_t value = (s.rdx & 0xffffffff) << 32 | (s.rax & 0xffffffff);
    if (uint32_t(s.rcx) != 0 || !xcr0::valid(value, cpu.xcr0_allowed)) return false;
    cpu.xcr0 = s.xcr0 = value;
    return true;
}

}  // namespace keel::vmm
