// The virt:: interface implemented with AMD SVM. (When the VMX backend
// arrives, a small x86 dispatcher picks one of the two at probe time.)
#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/extended_state.hpp"
#include "hypervisor/arch/x86/svm/svm_instructions.hpp"
#include "hypervisor/arch/x86/svm/vcpu_factory.hpp"
#include "hypervisor/kernel/virt.hpp"

namespace keel::virt {
namespace {

constexpr uint32_t CPUID_EXT_FEATURES = 0x80000001;
constexpr uint32_t CPUID_SVM_FEATURES = 0x8000000a;
constexpr uint32_t EXT_ECX_SVM = 1u << 2;
constexpr uint32_t SVM_EDX_NPT = 1u << 0;
constexpr uint32_t SVM_EDX_NRIPS = 1u << 3;
constexpr uint64_t VM_CR_SVMDIS = 1ull << 4;
constexpr uint64_t IOPM_PAGES = 3;  // 64 Ki ports + the 3 bits an access may spill over

constinit x86::svm::SharedState shared[x86::MAX_CPUS] = {};
constinit bool enabled[x86::MAX_CPUS] = {};

Status allocate_filled(FrameAllocator& frames, uint64_t pages, uint8_t fill, uint64_t& pa) {
    if (Status s = frames.allocate(pages, pa); s != Status::Ok) return s;
    auto* p = reinterpret_cast<volatile uint8_t*>(pa);
    for (uint64_t i = 0; i < pages * PAGE_SIZE; ++i) p[i] = fill;
    return Status::Ok;
}

}  // namespace

Support probe() {
    using namespace x86;
    Support s{false, "AMD SVM", nullptr, 0};
    if (cpuid(0x80000000).eax < CPUID_SVM_FEATURES || !(cpuid(CPUID_EXT_FEATURES).ecx & EXT_ECX_SVM)) {
        s.detail = "not supported by this CPU (CPUID 8000_0001h ECX bit 2 is clear)";
        return s;
    }
    if (rdmsr(msr::VM_CR) & VM_CR_SVMDIS) {
        s.detail = "disabled by the firmware (VM_CR.SVMDIS is set); enable SVM in the BIOS setup";
        return s;
    }
    CpuidResult f = cpuid(CPUID_SVM_FEATURES);
    s.asid_count = f.ebx;
    if (!(f.edx & SVM_EDX_NPT)) {
        s.detail = "present, but without nested paging (CPUID 8000_000Ah EDX bit 0), which Keel requires";
        return s;
    }
    s.usable = true;
    s.detail = "available with nested paging";
    return s;
}

// On the CPU that calls it: the host save area and the host's VMSAVE state
// (its TR differs from every other CPU's); the intercept bitmaps every
// vCPU shares are made by the boot CPU: all ports exit, so the VMM sees
// each access. (MSRs: each PD's own permission map, msr_permission_map.hpp.)
Status enable(FrameAllocator& frames) {
    using namespace x86;
    unsigned cpu = here().index;
    if (enabled[cpu]) return Status::Ok;
    x86::svm::SharedState& mine = shared[cpu];
    uint64_t hsave;
    if (Status s = allocate_filled(frames, 1, 0, hsave); s != Status::Ok) return s;
    if (Status s = allocate_filled(frames, 1, 0, mine.host_state_pa); s != Status::Ok) return s;
    if (cpu == 0) {
        if (Status s = allocate_filled(frames, IOPM_PAGES, 0xff, mine.iopm_pa); s != Status::Ok) return s;
    } else {
        if (!enabled[0]) return Status::BadArgument;  // the boot CPU first
        mine.iopm_pa = shared[0].iopm_pa;
    }
    CpuidResult f = cpuid(CPUID_SVM_FEATURES);
    mine.asid_limit = f.ebx;
    mine.next_rip = f.edx & SVM_EDX_NRIPS;
    xstate::Layout l = xstate::probe();
    mine.xsave_components = l.switched;
    mine.guest_xcr0 = l.guest_xcr0;
    wrmsr(msr::EFER, rdmsr(msr::EFER) | efer::SVME);
    wrmsr(msr::VM_HSAVE_PA, hsave);
    // The host's TR, FS, GS, ... as the guest switch restores them (entry.S).
    x86::svm::vmsave(mine.host_state_pa);
    enabled[cpu] = true;
    return Status::Ok;
}

}  // namespace keel::virt

namespace keel::x86::svm {
SharedState* shared_states() { return keel::virt::shared; }
}  // namespace keel::x86::svm
