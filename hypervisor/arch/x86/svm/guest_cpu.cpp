#include "hypervisor/arch/x86/svm/guest_cpu.hpp"

#include <new>

#include "abi/mtd.hpp"
#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/extended_state.hpp"
#include "hypervisor/arch/x86/svm/exit_decode.hpp"
#include "hypervisor/arch/x86/svm/exit_event.hpp"
#include "hypervisor/arch/x86/svm/svm_instructions.hpp"
#include "lib/xcr0.hpp"

extern "C" void svm_vmrun(uint64_t vmcb_pa, void* gprs, uint64_t host_state_pa);

namespace keel::x86::svm {
namespace {

constexpr uint32_t INTERCEPT1_VINTR = 1u << 4;
constexpr uint64_t V_IRQ = 1ull << 8, V_IGN_TPR = 1ull << 20;
constexpr unsigned ASIDS = SharedState::ASIDS;

// The reset state (AMD APM vol. 2, 14.1.3): real mode at F000:FFF0, caches
// as firmware finds them. The VMM's start-up portal says where it begins.
constexpr uint16_t ATTR_CODE = 0x9b, ATTR_DATA = 0x93, ATTR_LDT = 0x82, ATTR_TSS = 0x8b;
constexpr uint64_t RESET_CR0 = 0x60000010, RESET_RIP = 0xfff0, RESET_CS_BASE = 0xffff0000;
constexpr uint64_t RFLAGS_RESERVED = 1 << 1, DR6_INIT = 0xffff0ff0, DR7_INIT = 0x400;
constexpr uint64_t DEFAULT_PAT = 0x0007040600070406;
constexpr uint16_t FXSAVE_FCW = 0, FXSAVE_MXCSR = 24;

// The general registers entry.S swaps are SoftState's first fourteen.
static_assert(__builtin_offsetof(SoftState, rbx) == 0 && __builtin_offsetof(SoftState, r15) == 13 * 8);

}  // namespace

GuestCpu::GuestCpu(KernelMemory& memory, SharedState& shared, PagingSpace& nested, Vmcb& vmcb, uint8_t* fpu,
                   uint64_t msrpm_pa)
    : memory_(memory), shared_(shared), nested_(nested), vmcb_(vmcb), fpu_(fpu), msrpm_pa_(msrpm_pa) {
    uint32_t usable = shared.asid_limit > 1 ? shared.asid_limit - 1 : 1;
    asid_ = shared.next_asid++ % (usable < ASIDS ? usable : ASIDS) + 1;
    reset();
}

GuestCpu* GuestCpu::create(KernelMemory& memory, SharedState& shared, PagingSpace& nested, uint64_t msrpm_pa) {
    void* p = memory.allocate<GuestCpu>();
    void* vmcb = memory.allocate_page();
    void* fpu = memory.allocate_page();
    if (!p || !vmcb || !fpu) {
        if (fpu) memory.free_page(fpu);
        if (vmcb) memory.free_page(vmcb);
        if (p) memory.free(p);
        return nullptr;
    }
    return new (p) GuestCpu(memory, shared, nested, *static_cast<Vmcb*>(vmcb), static_cast<uint8_t*>(fpu), msrpm_pa);
}

void GuestCpu::destroy() {
    if (shared_.unshared_owner == this) shared_.unshared_owner = nullptr;
    for (GuestCpu*& owner : shared_.asid_owner)
        if (owner == this) owner = nullptr;
    KernelMemory& memory = memory_;
    memory.free_page(&vmcb_);
    memory.free_page(fpu_);
    this->~GuestCpu();
    memory.free(this);
}

void GuestCpu::reset() {
    Vmcb& v = vmcb_;
    v.write<uint32_t>(VmcbField::InterceptMisc1, FORCED_INTERCEPT1);
    v.write<uint32_t>(VmcbField::InterceptMisc2, FORCED_INTERCEPT2);
    v.write<uint32_t>(VmcbField::InterceptExceptions, FORCED_EXCEPTIONS);
    v.write<uint64_t>(VmcbField::IopmBase, shared_.iopm_pa);
    v.write<uint64_t>(VmcbField::MsrpmBase, msrpm_pa_);
    v.write<uint32_t>(VmcbField::GuestAsid, asid_);
    // The host keeps physical interrupts: they exit, and the guest's
    // RFLAGS.IF masks only virtual ones.
    v.write<uint64_t>(VmcbField::VirtualInterrupt, V_INTR_MASKING);
    v.write<uint64_t>(VmcbField::NestedPagingEnable, 1);
    v.write<uint64_t>(VmcbField::NestedCr3, nested_.root());
    v.write_segment(VmcbField::Cs, {0xf000, ATTR_CODE, 0xffff, RESET_CS_BASE});
    const VmcbField data_segments[] = {VmcbField::Ss, VmcbField::Ds, VmcbField::Es, VmcbField::Fs, VmcbField::Gs};
    for (VmcbField f : data_segments) v.write_segment(f, {0, ATTR_DATA, 0xffff, 0});
    v.write_segment(VmcbField::Gdtr, {0, 0, 0xffff, 0});
    v.write_segment(VmcbField::Idtr, {0, 0, 0xffff, 0});
    v.write_segment(VmcbField::Ldtr, {0, ATTR_LDT, 0xffff, 0});
    v.write_segment(VmcbField::Tr, {0, ATTR_TSS, 0xffff, 0});
    v.write<uint64_t>(VmcbField::Efer, efer::SVME);  // VMRUN requires it; load_state keeps it
    v.write<uint64_t>(VmcbField::Cr0, RESET_CR0);
    v.write<uint64_t>(VmcbField::Dr6, DR6_INIT);
    v.write<uint64_t>(VmcbField::Dr7, DR7_INIT);
    v.write<uint64_t>(VmcbField::Rflags, RFLAGS_RESERVED);
    v.write<uint64_t>(VmcbField::Rip, RESET_RIP);
    v.write<uint64_t>(VmcbField::GuestPat, DEFAULT_PAT);
    // The FPU as FNINIT leaves it, SSE exceptions masked.
    fpu_[FXSAVE_FCW] = 0x7f, fpu_[FXSAVE_FCW + 1] = 0x03;
    fpu_[FXSAVE_MXCSR] = 0x80, fpu_[FXSAVE_MXCSR + 1] = 0x1f;
}

// Guests are the only users of the extended state (x87, SSE, AVX, PKRU)
// and of the debug address registers DR0-DR3 (threads run with CR0.EM and
// without OSXSAVE; the kernel sets no breakpoints), and VMRUN switches
// neither: they hold the last guest's values until another guest's go in.
// The kernel lifts EM and sets OSFXSR and OSXSAVE only for the switch: AVX
// instructions ignore CR0.EM, so a thread with OSXSAVE could read a
// guest's YMM registers. The switch saves and restores every component the
// CPU has (with XCR0 covering them all), whatever XCR0 each guest chose,
// then loads the new guest's XCR0. The host's DR7, restored at every exit,
// enables no breakpoint, so a guest's DR0-DR3 never fire in the host.
void GuestCpu::switch_unshared() {
    uint64_t cr0 = read_cr0(), cr4 = read_cr4();
    const uint64_t all = shared_.xsave_components;
    write_cr4(cr4 | CR4_OSFXSR | (all ? CR4_OSXSAVE : 0));
    write_cr0(cr0 & ~(CR0_EM | CR0_TS));
    GuestCpu* last = shared_.unshared_owner;
    if (all) {
        // XSETBV exits, so a guest's XCR0 is what its VMM last set; but
        // QEMU's TCG does not intercept XSETBV, and there the guest's own
        // choice, valid since the CPU took it, is kept from the CPU.
        if (last) {
            uint64_t now = xstate::xcr0();
            if (xcr0::valid(now, shared_.guest_xcr0)) last->soft_.xcr0 = now;
        }
        xstate::set_xcr0(all);
        if (last) xstate::save(last->fpu_, all);
        xstate::restore(fpu_, all);
        xstate::set_xcr0(soft_.xcr0);
        shared_.xcr0 = soft_.xcr0;
    } else {
        if (last) xstate::fxsave(last->fpu_);
        xstate::fxrstor(fpu_);
    }
    if (last) {
        asm volatile("mov %%dr0, %0" : "=r"(last->dr_[0]));
        asm volatile("mov %%dr1, %0" : "=r"(last->dr_[1]));
        asm volatile("mov %%dr2, %0" : "=r"(last->dr_[2]));
        asm volatile("mov %%dr3, %0" : "=r"(last->dr_[3]));
    }
    asm volatile("mov %0, %%dr0" ::"r"(dr_[0]));
    asm volatile("mov %0, %%dr1" ::"r"(dr_[1]));
    asm volatile("mov %0, %%dr2" ::"r"(dr_[2]));
    asm volatile("mov %0, %%dr3" ::"r"(dr_[3]));
    write_cr0(cr0);
    write_cr4(cr4);
    shared_.unshared_owner = this;
}

// The VMM changed the XCR0 of the vCPU whose state the CPU holds: the CPU's
// XCR0 follows at once (XSETBV needs OSXSAVE, for one instruction).
void GuestCpu::load_xcr0() {
    if (shared_.unshared_owner != this || shared_.xcr0 == soft_.xcr0) return;
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_OSXSAVE);
    xstate::set_xcr0(soft_.xcr0);
    write_cr4(cr4);
    shared_.xcr0 = soft_.xcr0;
}

// The interrupt window the VMM asked for: a virtual interrupt the guest
// takes as soon as it can, intercepted. The VMCB is touched only when the
// request changes.
void GuestCpu::arm_window(bool on) {
    Vmcb& v = vmcb_;
    uint64_t vintr = v.read<uint64_t>(VmcbField::VirtualInterrupt) & ~(V_IRQ | V_IGN_TPR);
    uint32_t misc1 = v.read<uint32_t>(VmcbField::InterceptMisc1) & ~INTERCEPT1_VINTR;
    if (on) vintr |= V_IRQ | V_IGN_TPR, misc1 |= INTERCEPT1_VINTR;
    v.write<uint64_t>(VmcbField::VirtualInterrupt, vintr);
    v.write<uint32_t>(VmcbField::InterceptMisc1, misc1);
    window_armed_ = on;
}

void GuestCpu::prepare_entry() {
    Vmcb& v = vmcb_;
    // Stale translations: another vCPU used the ASID since, or the PD's
    // guest memory lost a mapping or a right.
    uint32_t tlb = 0;
    if (shared_.asid_owner[asid_ - 1] != this || generation_ != nested_.generation()) tlb = TLB_FLUSH_ALL;
    shared_.asid_owner[asid_ - 1] = this;
    generation_ = nested_.generation();
    v.write<uint32_t>(VmcbField::TlbControl, tlb);
    if (soft_.interrupt_window != window_armed_) arm_window(soft_.interrupt_window);
    if (shared_.unshared_owner != this) switch_unshared();
}

VcpuExit GuestCpu::run() {
    prepare_entry();
    // GIF=0 holds host interrupts off across the switch while RFLAGS.IF=1
    // lets them force an exit during the guest; STGI delivers them here,
    // before the kernel goes on with interrupts off.
    clgi();
    sti();
    svm_vmrun(reinterpret_cast<uint64_t>(&vmcb_), &soft_, shared_.host_state_pa);
    stgi();
    asm volatile("nop" ::: "memory");
    cli();

    Vmcb& v = vmcb_;
    v.write<uint64_t>(VmcbField::EventInject, event_to_reinject(v.read<uint64_t>(VmcbField::ExitInterruptInfo)));
    uint64_t code = v.read<uint64_t>(VmcbField::ExitCode);
    // A machine check that interrupted the guest is the host's: its #MC
    // handler reports it, as if it had hit the host.
    if (code == exit_code::EXCEPTION_BASE + MACHINE_CHECK_VECTOR) raise_machine_check();
    uint64_t info1 = v.read<uint64_t>(VmcbField::ExitInfo1), info2 = v.read<uint64_t>(VmcbField::ExitInfo2);
    ExitEvent e = exit_event(code, info1, info2);
    if (e.host) return {true, e.event};
    if (code == exit_code::VINTR) {
        // Opened: the Recall says so. The virtual interrupt was never
        // meant for the guest; it goes with the request.
        soft_.interrupt_window = false;
        arm_window(false);
    }
    uint64_t rip = v.read<uint64_t>(VmcbField::Rip);
    uint64_t next = code == exit_code::IOIO ? info2 : shared_.next_rip ? v.read<uint64_t>(VmcbField::NextRip) : 0;
    exit_ = {next > rip && next - rip <= 15 ? next - rip : 0, {e.qual[0], e.qual[1]}};
    if (code == exit_code::CPUID) exit_.qual[0] = v.read<uint64_t>(VmcbField::Cr4);  // abi/event.hpp
    return {false, e.event};
}

void GuestCpu::save(uint64_t mtd, abi::VcpuState& out) {
    if ((mtd & abi::mtd::XCR0) && shared_.unshared_owner == this && shared_.xsave_components) refresh_xcr0();
    save_state(vmcb_, soft_, mtd, exit_, out);
}

// Where XSETBV does not exit (QEMU's TCG), the guest's own choice is the
// CPU's XCR0 now, and the VMM asking for XCR0 (to answer CPUID's XSAVE
// sizes) gets that, not the value it last set.
void GuestCpu::refresh_xcr0() {
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_OSXSAVE);
    uint64_t now = xstate::xcr0();
    write_cr4(cr4);
    shared_.xcr0 = now;  // what the CPU holds, valid or not: load_xcr0 compares with it
    if (xcr0::valid(now, shared_.guest_xcr0)) soft_.xcr0 = now;
}

abi::Status GuestCpu::load(const abi::VcpuState& in) {
    // Most replies leave XCR0 alone: a tail call then (the exits' hot path).
    if (in.mtd & abi::mtd::XCR0) return load_with_xcr0(in);
    return load_state(in, shared_.guest_xcr0, vmcb_, soft_);
}

abi::Status GuestCpu::load_with_xcr0(const abi::VcpuState& in) {
    abi::Status s = load_state(in, shared_.guest_xcr0, vmcb_, soft_);
    if (s == abi::Status::Success) load_xcr0();
    return s;
}

}  // namespace keel::x86::svm
