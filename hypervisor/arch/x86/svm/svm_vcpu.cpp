#include "svm_vcpu.hpp"

#include "../cpu.hpp"
#include "exit_decode.hpp"
#include "svm_instructions.hpp"

extern "C" void svm_vmrun(uint64_t vmcb_pa, keel::x86::svm::GuestGprs* gprs, uint64_t host_state_pa);

namespace keel::x86::svm {
namespace {

constexpr uint64_t CR0_ET = 1ull << 4;
constexpr uint64_t RFLAGS_RESERVED = 1ull << 1;
constexpr uint64_t DEFAULT_PAT = 0x0007040600070406ull;
constexpr uint64_t DR6_INIT = 0xffff0ff0ull;
constexpr uint64_t DR7_INIT = 0x400ull;

// Real-mode segments: base = selector * 16, 64 KiB limit.
constexpr uint16_t ATTR_CODE = 0x9b;  // present, code, readable, accessed
constexpr uint16_t ATTR_DATA = 0x93;  // present, data, writable, accessed
constexpr uint16_t ATTR_LDT = 0x82;
constexpr uint16_t ATTR_TSS = 0x8b;

VmcbSegment real_mode_segment(uint16_t selector, uint16_t attributes) {
    return {selector, attributes, 0xffff, uint64_t(selector) << 4};
}

}  // namespace

void SvmVcpu::set_real_mode_state(const virt::RealModeStart& start) {
    Vmcb& v = *vmcb_;
    v.write_segment(VmcbField::Cs, real_mode_segment(start.cs, ATTR_CODE));
    v.write_segment(VmcbField::Ss, real_mode_segment(start.ss, ATTR_DATA));
    const VmcbField data_segments[] = {VmcbField::Ds, VmcbField::Es, VmcbField::Fs, VmcbField::Gs};
    for (VmcbField f : data_segments) v.write_segment(f, real_mode_segment(start.cs, ATTR_DATA));
    v.write_segment(VmcbField::Gdtr, {0, 0, 0xffff, 0});
    v.write_segment(VmcbField::Idtr, {0, 0, 0xffff, 0});
    v.write_segment(VmcbField::Ldtr, {0, ATTR_LDT, 0xffff, 0});
    v.write_segment(VmcbField::Tr, {0, ATTR_TSS, 0xffff, 0});
    v.write<uint8_t>(VmcbField::Cpl, 0);
    v.write<uint64_t>(VmcbField::Efer, efer::SVME);  // VMRUN requires SVME in the guest's EFER
    v.write<uint64_t>(VmcbField::Cr0, CR0_ET);
    v.write<uint64_t>(VmcbField::Cr3, 0);
    v.write<uint64_t>(VmcbField::Cr4, 0);
    v.write<uint64_t>(VmcbField::Dr6, DR6_INIT);
    v.write<uint64_t>(VmcbField::Dr7, DR7_INIT);
    v.write<uint64_t>(VmcbField::Rflags, RFLAGS_RESERVED);
    v.write<uint64_t>(VmcbField::Rip, start.ip);
    v.write<uint64_t>(VmcbField::Rsp, start.sp);
    v.write<uint64_t>(VmcbField::Rax, 0);
    v.write<uint64_t>(VmcbField::GuestPat, DEFAULT_PAT);
}

Status SvmVcpu::init(FrameAllocator& frames, const Shared& shared, uint32_t asid, uint64_t nested_cr3,
                     const virt::RealModeStart& start) {
    if (asid == 0) return Status::BadArgument;  // ASID 0 is the host's
    uint64_t pa;
    if (Status s = frames.allocate(1, pa); s != Status::Ok) return s;
    vmcb_ = reinterpret_cast<Vmcb*>(pa);
    for (unsigned i = 0; i < 4096 / 8; ++i) vmcb_->write<uint64_t>(VmcbField(i * 8), 0);

    Vmcb& v = *vmcb_;
    v.write<uint32_t>(VmcbField::InterceptMisc1, intercept1::INTR | intercept1::NMI | intercept1::INIT |
                                                     intercept1::CPUID | intercept1::INVD | intercept1::HLT |
                                                     intercept1::INVLPGA | intercept1::IOIO | intercept1::MSR |
                                                     intercept1::SHUTDOWN);
    v.write<uint32_t>(VmcbField::InterceptMisc2, intercept2::VMRUN | intercept2::VMMCALL | intercept2::VMLOAD |
                                                     intercept2::VMSAVE | intercept2::STGI | intercept2::CLGI |
                                                     intercept2::SKINIT);
    v.write<uint32_t>(VmcbField::InterceptExceptions, intercept_exception::DEBUG |
                                                          intercept_exception::ALIGNMENT_CHECK |
                                                          intercept_exception::MACHINE_CHECK);
    v.write<uint64_t>(VmcbField::IopmBase, shared.iopm_pa);
    v.write<uint64_t>(VmcbField::MsrpmBase, shared.msrpm_pa);
    host_state_pa_ = shared.host_state_pa;
    v.write<uint32_t>(VmcbField::GuestAsid, asid);
    v.write<uint32_t>(VmcbField::TlbControl, TLB_FLUSH_ALL);
    // The host keeps physical interrupts: they exit (INTR intercept) and the
    // guest's RFLAGS.IF only masks virtual ones.
    v.write<uint64_t>(VmcbField::VirtualInterrupt, V_INTR_MASKING);
    v.write<uint64_t>(VmcbField::NestedPagingEnable, 1);
    v.write<uint64_t>(VmcbField::NestedCr3, nested_cr3);
    set_real_mode_state(start);
    return Status::Ok;
}

Status SvmVcpu::run(virt::ExitMessage& exit) {
    // GIF=0 holds host interrupts off across the switch while RFLAGS.IF=1
    // lets them force an exit during the guest; STGI then delivers them here.
    clgi();
    sti();
    svm_vmrun(reinterpret_cast<uint64_t>(vmcb_), &gprs_, host_state_pa_);
    stgi();

    Vmcb& v = *vmcb_;
    v.write<uint32_t>(VmcbField::TlbControl, 0);
    v.write<uint64_t>(VmcbField::EventInject, event_to_reinject(v.read<uint64_t>(VmcbField::ExitInterruptInfo)));
    uint64_t code = v.read<uint64_t>(VmcbField::ExitCode);
    // A machine check that interrupted the guest is the host's: the host's
    // #MC handler reports it (and halts), as if it had hit the host.
    if (code == exit_code::EXCEPTION_BASE + MACHINE_CHECK_VECTOR) raise_machine_check();
    decode_exit(code, v.read<uint64_t>(VmcbField::ExitInfo1), v.read<uint64_t>(VmcbField::ExitInfo2), exit);
    exit.regs = virt::GuestRegisters{
        v.read<uint64_t>(VmcbField::Rax),
        gprs_.rbx,
        gprs_.rcx,
        gprs_.rdx,
        gprs_.rsi,
        gprs_.rdi,
        gprs_.rbp,
        v.read<uint64_t>(VmcbField::Rsp),
        gprs_.r8,
        gprs_.r9,
        gprs_.r10,
        gprs_.r11,
        gprs_.r12,
        gprs_.r13,
        gprs_.r14,
        gprs_.r15,
        v.read<uint64_t>(VmcbField::Rip),
        v.read<uint64_t>(VmcbField::Rflags),
    };
    return Status::Ok;
}

void SvmVcpu::complete(const virt::ExitMessage& reply) {
    const virt::GuestRegisters& r = reply.regs;
    Vmcb& v = *vmcb_;
    v.write<uint64_t>(VmcbField::Rax, r.rax);
    v.write<uint64_t>(VmcbField::Rsp, r.rsp);
    v.write<uint64_t>(VmcbField::Rip, r.rip);
    v.write<uint64_t>(VmcbField::Rflags, r.rflags | RFLAGS_RESERVED);
    gprs_ = GuestGprs{r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15};
}

}  // namespace keel::x86::svm
