// AMD: SKINIT leaves the global interrupt flag clear (interrupts, NMIs, SMIs
// and INIT held), and the secure loader keeps it clear until the hypervisor
// has an interrupt table of its own. This sets it; STGI needs EFER.SVME for a
// moment. Nothing to do (and nothing done) on CPUs without SVM or with SVM
// disabled by the firmware: they cannot have come through SKINIT, and setting
// EFER.SVME there would fault.
#pragma once
#include "cpu.hpp"
#include "svm/svm_instructions.hpp"

namespace keel::x86 {

enum class InitRedirect { NoSvm, Redirected, NotKept };

// Sets VM_CR.R_INIT first, so that an INIT (from another CPU, or a device's
// MSI) held pending while GIF was 0 arrives as #SX, which the kernel
// ignores, instead of resetting this CPU into code nobody measured. Says
// whether the CPU kept the bit (emulators may not implement it).
inline InitRedirect set_global_interrupt_flag() {
    constexpr uint32_t CPUID_EXT_ECX_SVM = 1u << 2;
    constexpr uint64_t VM_CR_R_INIT = 1ull << 1;
    constexpr uint64_t VM_CR_SVMDIS = 1ull << 4;
    if (!(cpuid(0x80000001).ecx & CPUID_EXT_ECX_SVM) || (rdmsr(msr::VM_CR) & VM_CR_SVMDIS)) return InitRedirect::NoSvm;
    wrmsr(msr::VM_CR, rdmsr(msr::VM_CR) | VM_CR_R_INIT);
    InitRedirect init = (rdmsr(msr::VM_CR) & VM_CR_R_INIT) ? InitRedirect::Redirected : InitRedirect::NotKept;
    uint64_t efer = rdmsr(msr::EFER);
    wrmsr(msr::EFER, efer | efer::SVME);
    svm::stgi();
    wrmsr(msr::EFER, efer);
    return init;
}

}  // namespace keel::x86
