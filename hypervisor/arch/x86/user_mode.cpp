#include "hypervisor/arch/x86/user_mode.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/gdt.hpp"

extern "C" {
extern void (*const syscall_entries[KEEL_MAX_CPUS])();
void run_user(keel::x86::InterruptFrame* frame, uint64_t* resume, void (*prepare)());
[[noreturn]] void user_exit(uint64_t* resume);
void syscall_dispatch(keel::x86::InterruptFrame* frame);
}

namespace keel::x86::user {
namespace {

constexpr uint32_t MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082, MSR_FMASK = 0xc0000084;
constexpr uint64_t EFER_SCE = 1 << 0;
// Cleared on SYSCALL: interrupts (until the kernel stack is in place),
// single-step, direction, alignment checks, nested task.
constexpr uint64_t FMASK = (1 << 9) | (1 << 8) | (1 << 10) | (1 << 18) | (1 << 14);
constexpr uint64_t CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21;
constinit SyscallHandler syscall_handler = nullptr;
constinit bool has_smep = false, has_smap = false;

}  // namespace

void init(SyscallHandler handler) {
    syscall_handler = handler;
    CpuidResult leaf7 = cpuid(0).eax >= 7 ? cpuid(7) : CpuidResult{};
    has_smep = leaf7.ebx >> 7 & 1;
    has_smap = leaf7.ebx >> 20 & 1;
    init_cpu();
}

void init_cpu() {
    CpuLocal& c = here();
    uint64_t top = reinterpret_cast<uint64_t>(c.entry_stack + ENTRY_STACK_SIZE);
    c.entry_top = top;
    gdt::set_kernel_stack(top);
    wrmsr(msr::EFER, rdmsr(msr::EFER) | EFER_SCE);
    // SYSCALL: CS = STAR[47:32], SS = that + 8. (SYSRET's half, STAR[63:48],
    // is set to the user selectors though the kernel returns with IRETQ.)
    wrmsr(MSR_STAR, uint64_t(gdt::KERNEL_CODE) << 32 | uint64_t(gdt::USER_CODE32) << 48);
    wrmsr(MSR_LSTAR, reinterpret_cast<uint64_t>(syscall_entries[c.index]));
    wrmsr(MSR_FMASK, FMASK);
    // No FPU or SIMD state for threads yet, so none can pass from one PD to
    // another: x87 and MMX raise #NM (EM), SSE and AVX #UD (no OSFXSR or
    // OSXSAVE). The kernel itself uses general registers only.
    write_cr4((read_cr4() & ~(CR4_OSFXSR | CR4_OSXSAVE)) | (has_smep ? CR4_SMEP : 0) | (has_smap ? CR4_SMAP : 0));
    write_cr0(read_cr0() | CR0_EM | CR0_MP);
}

InterruptFrame& frame(CpuLocal& c) {
    return *reinterpret_cast<InterruptFrame*>(c.entry_stack + ENTRY_STACK_SIZE - sizeof(InterruptFrame));
}

void run(void (*prepare)()) {
    CpuLocal& c = here();
    run_user(&frame(c), &c.resume_rsp, prepare);
}

void leave() { user_exit(&here().resume_rsp); }

bool smep() { return has_smep; }
bool smap() { return has_smap; }

}  // namespace keel::x86::user

extern "C" void syscall_dispatch(keel::x86::InterruptFrame* frame) { keel::x86::user::syscall_handler(*frame); }
