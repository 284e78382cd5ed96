#include "hypervisor/arch/x86/svm/state_transfer.hpp"

#include "abi/mtd.hpp"
#include "hypervisor/arch/x86/cpu.hpp"
#include "lib/xcr0.hpp"

namespace keel::x86::svm {
namespace {

// The groups besides the general registers, RSP, RIP, RFLAGS, CS/SS and
// the qualification.
constexpr uint64_t RARE =
    abi::mtd::ALL & ~(abi::mtd::GPR_ACDB | abi::mtd::GPR_BSD | abi::mtd::GPR_R8_R15 | abi::mtd::RSP |
                      abi::mtd::RIP_LEN | abi::mtd::RFLAGS | abi::mtd::CS_SS | abi::mtd::QUAL);

constexpr uint64_t EVENT_VALID = 1ull << 31;
constexpr uint64_t EVENT_TYPE_SHIFT = 8, EVENT_TYPE_MASK = 7;
// SVM's event types: 0 external interrupt, 2 NMI, 3 exception, 4 software
// interrupt; 1 and 5-7 are reserved (VMRUN would fail).
constexpr bool valid_event_type(uint64_t t) { return t == 0 || t == 2 || t == 3 || t == 4; }

abi::Segment to_abi(const Vmcb& v, VmcbField f) {
    unsigned o = unsigned(f);
    return {v.read<uint16_t>(VmcbField(o)), v.read<uint16_t>(VmcbField(o + 2)), v.read<uint32_t>(VmcbField(o + 4)),
            v.read<uint64_t>(VmcbField(o + 8))};
}

void from_abi(Vmcb& v, VmcbField f, const abi::Segment& s) {
    v.write_segment(f, {s.selector, s.attributes, s.limit, s.base});
}

abi::DescriptorTable table(const Vmcb& v, VmcbField f) {
    unsigned o = unsigned(f);
    return {0, v.read<uint32_t>(VmcbField(o + 4)), v.read<uint64_t>(VmcbField(o + 8))};
}

void set_table(Vmcb& v, VmcbField f, const abi::DescriptorTable& t) {
    unsigned o = unsigned(f);
    v.write<uint32_t>(VmcbField(o + 4), t.limit);
    v.write<uint64_t>(VmcbField(o + 8), t.base);
}

}  // namespace

void save_state(const Vmcb& v, const SoftState& soft, uint64_t mtd, const ExitDetail& exit, abi::VcpuState& out) {
    using namespace abi::mtd;
    mtd &= ALL;
    out.mtd = mtd;
    if (mtd & GPR_ACDB) {
        out.rax = v.read<uint64_t>(VmcbField::Rax);
        out.rcx = soft.rcx, out.rdx = soft.rdx, out.rbx = soft.rbx;
    }
    if (mtd & GPR_BSD) out.rbp = soft.rbp, out.rsi = soft.rsi, out.rdi = soft.rdi;
    if (mtd & GPR_R8_R15) {
        out.r8 = soft.r8, out.r9 = soft.r9, out.r10 = soft.r10, out.r11 = soft.r11;
        out.r12 = soft.r12, out.r13 = soft.r13, out.r14 = soft.r14, out.r15 = soft.r15;
    }
    if (mtd & RSP) out.rsp = v.read<uint64_t>(VmcbField::Rsp);
    if (mtd & RIP_LEN) out.rip = v.read<uint64_t>(VmcbField::Rip), out.instruction_length = exit.instruction_length;
    if (mtd & RFLAGS) out.rflags = v.read<uint64_t>(VmcbField::Rflags);
    if (mtd & CS_SS) out.cs = to_abi(v, VmcbField::Cs), out.ss = to_abi(v, VmcbField::Ss);
    if (mtd & QUAL) out.qual[0] = exit.qual[0], out.qual[1] = exit.qual[1];
    // One test for what an exit's handler seldom asks for (the common exits
    // are the hot path of every VMM).
    if (!(mtd & RARE)) return;
    if (mtd & DS_ES) out.ds = to_abi(v, VmcbField::Ds), out.es = to_abi(v, VmcbField::Es);
    if (mtd & FS_GS) out.fs = to_abi(v, VmcbField::Fs), out.gs = to_abi(v, VmcbField::Gs);
    if (mtd & TR) out.tr = to_abi(v, VmcbField::Tr);
    if (mtd & LDTR) out.ldtr = to_abi(v, VmcbField::Ldtr);
    if (mtd & GDTR) out.gdtr = table(v, VmcbField::Gdtr);
    if (mtd & IDTR) out.idtr = table(v, VmcbField::Idtr);
    if (mtd & CR) {
        out.cr0 = v.read<uint64_t>(VmcbField::Cr0), out.cr2 = v.read<uint64_t>(VmcbField::Cr2);
        out.cr3 = v.read<uint64_t>(VmcbField::Cr3), out.cr4 = v.read<uint64_t>(VmcbField::Cr4);
        out.efer = v.read<uint64_t>(VmcbField::Efer);
    }
    if (mtd & DR) out.dr7 = v.read<uint64_t>(VmcbField::Dr7);
    if (mtd & INJ) {
        out.inj_info = v.read<uint64_t>(VmcbField::EventInject);
        out.inj_request = soft.interrupt_window ? 1 : 0;
    }
    if (mtd & STA) out.interruptibility = v.read<uint64_t>(VmcbField::InterruptShadow) & 1;
    if (mtd & TSC) out.tsc_offset = v.read<uint64_t>(VmcbField::TscOffset);
    if (mtd & XCR0) out.xcr0 = soft.xcr0;
    if (mtd & CTRL) {
        out.ctrl[0] = v.read<uint32_t>(VmcbField::InterceptMisc1);
        out.ctrl[1] = v.read<uint32_t>(VmcbField::InterceptMisc2);
    }
}

abi::Status load_state(const abi::VcpuState& in, uint64_t guest_xcr0, Vmcb& v, SoftState& soft) {
    using namespace abi::mtd;
    const uint64_t mtd = in.mtd;
    // Check everything first: a refused reply changes nothing.
    if (mtd & ~WRITABLE) return abi::Status::BadParameter;
    // The kernel executes XSETBV with it: a value the CPU refuses would be a
    // #GP in the host.
    if ((mtd & XCR0) && !xcr0::valid(in.xcr0, guest_xcr0)) return abi::Status::BadParameter;
    if ((mtd & INJ) && (in.inj_info & EVENT_VALID) &&
        !valid_event_type(in.inj_info >> EVENT_TYPE_SHIFT & EVENT_TYPE_MASK))
        return abi::Status::BadParameter;

    if (mtd & GPR_ACDB) {
        v.write<uint64_t>(VmcbField::Rax, in.rax);
        soft.rcx = in.rcx, soft.rdx = in.rdx, soft.rbx = in.rbx;
    }
    if (mtd & GPR_BSD) soft.rbp = in.rbp, soft.rsi = in.rsi, soft.rdi = in.rdi;
    if (mtd & GPR_R8_R15) {
        soft.r8 = in.r8, soft.r9 = in.r9, soft.r10 = in.r10, soft.r11 = in.r11;
        soft.r12 = in.r12, soft.r13 = in.r13, soft.r14 = in.r14, soft.r15 = in.r15;
    }
    if (mtd & RSP) v.write<uint64_t>(VmcbField::Rsp, in.rsp);
    if (mtd & RIP_LEN) v.write<uint64_t>(VmcbField::Rip, in.rip);
    if (mtd & RFLAGS) v.write<uint64_t>(VmcbField::Rflags, in.rflags);
    if (mtd & CS_SS) from_abi(v, VmcbField::Cs, in.cs), from_abi(v, VmcbField::Ss, in.ss);
    if (!(mtd & RARE)) return abi::Status::Success;
    if (mtd & DS_ES) from_abi(v, VmcbField::Ds, in.ds), from_abi(v, VmcbField::Es, in.es);
    if (mtd & FS_GS) from_abi(v, VmcbField::Fs, in.fs), from_abi(v, VmcbField::Gs, in.gs);
    if (mtd & TR) from_abi(v, VmcbField::Tr, in.tr);
    if (mtd & LDTR) from_abi(v, VmcbField::Ldtr, in.ldtr);
    if (mtd & GDTR) set_table(v, VmcbField::Gdtr, in.gdtr);
    if (mtd & IDTR) set_table(v, VmcbField::Idtr, in.idtr);
    if (mtd & CR) {
        v.write<uint64_t>(VmcbField::Cr0, in.cr0), v.write<uint64_t>(VmcbField::Cr2, in.cr2);
        v.write<uint64_t>(VmcbField::Cr3, in.cr3), v.write<uint64_t>(VmcbField::Cr4, in.cr4);
        v.write<uint64_t>(VmcbField::Efer, in.efer | efer::SVME);  // VMRUN needs it; the guest sees it clear
    }
    if (mtd & DR) v.write<uint64_t>(VmcbField::Dr7, in.dr7);
    if (mtd & INJ) {
        v.write<uint64_t>(VmcbField::EventInject, in.inj_info);
        soft.interrupt_window = in.inj_request & 1;
    }
    if (mtd & STA) v.write<uint64_t>(VmcbField::InterruptShadow, in.interruptibility & 1);
    if (mtd & TSC) v.write<uint64_t>(VmcbField::TscOffset, in.tsc_offset);
    if (mtd & XCR0) soft.xcr0 = in.xcr0;
    if (mtd & CTRL) {
        v.write<uint32_t>(VmcbField::InterceptMisc1, uint32_t(in.ctrl[0]));
        v.write<uint32_t>(VmcbField::InterceptMisc2, uint32_t(in.ctrl[1]));
    }
    if (!(mtd & CTRL)) return abi::Status::Success;
    // Whatever the VMM asked for, the kernel's own intercepts stay on.
    v.write<uint32_t>(VmcbField::InterceptMisc1, v.read<uint32_t>(VmcbField::InterceptMisc1) | FORCED_INTERCEPT1);
    v.write<uint32_t>(VmcbField::InterceptMisc2, v.read<uint32_t>(VmcbField::InterceptMisc2) | FORCED_INTERCEPT2);
    v.write<uint32_t>(VmcbField::InterceptExceptions,
                      v.read<uint32_t>(VmcbField::InterceptExceptions) | FORCED_EXCEPTIONS);
    return abi::Status::Success;
}

}  // namespace keel::x86::svm
