#include "vmm/common/guest_exits.hpp"

#include "lib/xcr0.hpp"
#include "vmm/common/host_cpuid.hpp"

namespace keel::vmm {

void init_guest_cpu(GuestCpuState& cpu) {
    cpu = {};
    cpu.xcr0 = xcr0::X87;
    cpu.xcr0_allowed = guest_xcr0_allowed(host_cpuid);
}

bool accept_xsetbv(GuestCpuState& cpu, abi::VcpuState& s) {
    uint64_t value = (s.rdx & 0xffffffff) << 32 | (s.rax & 0xffffffff);
    if (uint32_t(s.rcx) != 0 || !xcr0::valid(value, cpu.xcr0_allowed)) return false;
    cpu.xcr0 = s.xcr0 = value;
    return true;
}

}  // namespace keel::vmm
