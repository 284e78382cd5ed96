// The exits every VMM answers alike, whatever its guest: CPUID through the
// guest's view of the host's, and XSETBV checked against what XSETBV and
// the view allow. The caller moves RIP (or injects the #GP).
#pragma once
#include <stdint.h>

#include "abi/utcb.hpp"
#include "vmm/common/cpuid_view.hpp"
#include "vmm/common/host_cpuid.hpp"

namespace keel::vmm {

// An event to inject (abi/utcb.hpp: SVM's EVENTINJ layout): valid, an
// exception with an error code, vector 13, error code 0.
inline constexpr uint64_t INJECT_GP0 = 1ull << 31 | 1ull << 11 | 3ull << 8 | 13;

// An IOIO exit's qualification (abi/utcb.hpp), decoded.
struct IoExit {
    uint16_t port;
    unsigned size;  // 1, 2 or 4
    bool in, string;
    uint64_t mask() const { return size == 4 ? 0xffffffff : size == 2 ? 0xffff : 0xff; }
};
inline IoExit io_exit(const abi::VcpuState& s) {
    uint64_t q = s.qual[0];
    return {uint16_t(q), unsigned(q >> 16 & 0xff), bool(q >> 24 & 1), bool(q >> 25 & 1)};
}

// The guest CPU state's reset values: XCR0 = x87, what XCR0 may hold.
void init_guest_cpu(GuestCpuState& cpu);
// RAX, RBX, RCX and RDX as the guest's CPUID answers them (needs GPR_ACDB
// and the exit's qualification, its CR4). Inline: it is the hot exit's.
inline void answer_cpuid(GuestCpuState& cpu, abi::VcpuState& s) {
    uint32_t leaf = uint32_t(s.rax), subleaf = uint32_t(s.rcx);
    cpu.cr4 = s.qual[0];  // abi/event.hpp: CPUID's qualification
    CpuidRegs r = host_cpuid(leaf, subleaf);
    guest_cpuid(leaf, subleaf, r, cpu, host_cpuid);
    s.rax = r.eax, s.rbx = r.ebx, s.rcx = r.ecx, s.rdx = r.edx;
}
// True, with XCR0 set in `s` and `cpu`, if XSETBV accepts the value in
// EDX:EAX for the XCR in ECX; false: the guest takes #GP(0).
bool accept_xsetbv(GuestCpuState& cpu, abi::VcpuState& s);

}  // namespace keel::vmm
