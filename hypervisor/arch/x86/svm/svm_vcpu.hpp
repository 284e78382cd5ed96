// A virtual CPU under AMD SVM: its VMCB, the guest registers VMRUN does not
// switch, and the run/complete pair the generic VM loop drives.
#pragma once
#include "../../../kernel/virt.hpp"
#include "vmcb.hpp"

namespace keel::x86::svm {

// Guest registers that live outside the VMCB between exits; entry.S knows
// this layout by offset.
struct GuestGprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

class SvmVcpu final : public virt::Vcpu {
public:
    // What every vCPU shares: the intercept bitmaps (all ports and all MSRs
    // exit, so the VMM sees every access) and the host's VMSAVE area.
    struct Shared {
        uint64_t iopm_pa;
        uint64_t msrpm_pa;
        uint64_t host_state_pa;
    };

    // `asid` must be unique among live vCPUs, so no vCPU uses TLB entries
    // built from another guest's nested tables.
    [[nodiscard]] Status init(FrameAllocator& frames, const Shared& shared, uint32_t asid, uint64_t nested_cr3,
                              const virt::RealModeStart& start);
    [[nodiscard]] Status run(virt::ExitMessage& exit) override;
    void complete(const virt::ExitMessage& reply) override;

private:
    void set_real_mode_state(const virt::RealModeStart& start);

    Vmcb* vmcb_ = nullptr;  // identity mapped: its virtual address is its physical one
    uint64_t host_state_pa_ = 0;
    GuestGprs gprs_ = {};
};

}  // namespace keel::x86::svm
