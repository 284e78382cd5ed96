// A VM exit as the kernel hands it to the guest's VMM: a vendor-neutral
// reason (which selects the VMM's portal), the guest's registers, and the
// exit's details decoded by the SVM or VMX backend. The VMM answers by
// editing the registers and choosing to resume or stop the guest.
#pragma once
#include <stdint.h>

namespace keel::virt {

enum class ExitReason : uint8_t {
    Cpuid,
    Io,
    Hlt,
    NestedPageFault,
    Msr,
    Shutdown,  // triple fault in the guest
    Exception,  // an intercepted guest exception (#DB, #AC, #MC)
    Interrupt,  // host interrupt arrived while the guest ran; the kernel handles it
    InvalidState,  // the CPU refused to enter the guest
    Unknown,  // an intercept without a portal of its own
    Count,
};
constexpr unsigned EXIT_REASON_COUNT = unsigned(ExitReason::Count);

const char* exit_reason_name(ExitReason r);

struct GuestRegisters {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

struct IoAccess {
    uint16_t port;
    uint8_t size;  // bytes: 1, 2 or 4
    bool in;  // true: IN (guest reads), false: OUT
    bool string;  // INS/OUTS
    bool rep;
    uint64_t next_rip;  // the hardware tells us for I/O exits
};

struct NestedFault {
    uint64_t gpa;
    bool present;  // the page was mapped: a permission fault
    bool write;
    bool execute;
};

struct MsrAccess {
    bool write;  // WRMSR (value in EDX:EAX); else RDMSR. The MSR's index is in RCX.
};

struct GuestException {
    uint8_t vector;
    uint32_t error_code;  // where the exception has one
};

struct ExitMessage {
    ExitReason reason;
    uint64_t hw_code;  // the vendor's own exit code, for diagnostics
    uint64_t hw_info1, hw_info2;
    GuestRegisters regs;
    union {
        IoAccess io;
        NestedFault npf;
        MsrAccess msr;
        GuestException exception;
    };
};

enum class ExitAction : uint8_t { Resume, Stop };

}  // namespace keel::virt
