// Message transfer for SVM: a vCPU's state into the exit handler's UTCB
// (the groups the portal's MTD names) and the handler's reply back into the
// VMCB (the groups the reply's MTD names). The kernel's rules are applied on
// the way back, whatever the VMM wrote: its own intercepts stay on and the
// guest's EFER keeps SVME (VMRUN requires it). State the CPU itself refuses
// ends in an InvalidState exit to the same VMM, never in the host.
// Pure: unit-tested on the host.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "abi/utcb.hpp"
#include "hypervisor/arch/x86/svm/vmcb.hpp"

namespace keel::x86::svm {

// A vCPU's state outside the VMCB: the general registers SVM does not save,
// and what the kernel switches itself.
struct SoftState {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t xcr0 = 1;  // loaded with XSETBV around VMRUN; x87 is always on
    bool interrupt_window = false;  // the VMM wants a Recall when the guest can take an interrupt
};

// What the kernel always intercepts, whatever a VMM asks: host interrupts,
// NMIs and INIT stay the host's; SVM instructions, INVD and INVLPGA could
// reach beyond the guest; CPUID, HLT, I/O, MSRs, XSETBV and shutdown are the
// VMM's to handle.
inline constexpr uint32_t FORCED_INTERCEPT1 =
    intercept1::INTR | intercept1::NMI | intercept1::INIT | intercept1::CPUID | intercept1::INVD | intercept1::INVLPGA |
    intercept1::HLT | intercept1::IOIO | intercept1::MSR | intercept1::SHUTDOWN;
inline constexpr uint32_t INTERCEPT2_XSETBV = 1u << 13;
inline constexpr uint32_t FORCED_INTERCEPT2 = intercept2::VMRUN | intercept2::VMMCALL | intercept2::VMLOAD |
                                              intercept2::VMSAVE | intercept2::STGI | intercept2::CLGI |
                                              intercept2::SKINIT | INTERCEPT2_XSETBV;
inline constexpr uint32_t FORCED_EXCEPTIONS =
    intercept_exception::DEBUG | intercept_exception::ALIGNMENT_CHECK | intercept_exception::MACHINE_CHECK;

// What the last exit said beyond the VMCB's state: the exiting
// instruction's length (NextRIP - RIP where the hardware reports it, else
// 0) and the qualification in utcb.hpp's layout (exit_event.hpp).
struct ExitDetail {
    uint64_t instruction_length;
    uint64_t qual[2];
};

// Copies the groups of `mtd` (abi/mtd.hpp) from the vCPU into `out`, and
// sets out.mtd to what was copied.
void save_state(const Vmcb& vmcb, const SoftState& soft, uint64_t mtd, const ExitDetail& exit, abi::VcpuState& out);

// Writes the groups of in.mtd back. BadParameter, and nothing written, for
// a group that cannot be written (QUAL), an XCR0 that XSETBV would refuse
// or that holds a component outside `guest_xcr0` (what the kernel switches,
// extended_state.hpp), or an injection with a reserved type.
abi::Status load_state(const abi::VcpuState& in, uint64_t guest_xcr0, Vmcb& vmcb, SoftState& soft);

}  // namespace keel::x86::svm
