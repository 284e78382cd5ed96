// Events as portal offsets. An EC is created with an event base selector;
// when it raises an event the kernel calls the portal at event_base + event
// in the EC's PD (an implicit portal call, as in NOVA), and the reply
// resumes it.
//
// vCPU events are vendor-neutral: the SVM backend (and later the VMX one)
// maps its exit codes onto them, so one VMM serves both.
#pragma once
#include <stdint.h>

namespace keel::abi {

enum class VcpuEvent : uint8_t {
    Startup = 0,  // before the vCPU first runs: the reply sets its initial state
    Recall = 1,  // ctrl_ec recall, or the interrupt window the VMM asked for opened
    Cpuid = 2,  // qual[0]: the guest's CR4 (CPUID's OSXSAVE and OSPKE bits follow it)
    Hlt = 3,
    Io = 4,  // IN/OUT/INS/OUTS; port, size and direction in the exit qualification
    Msr = 5,  // RDMSR/WRMSR of an MSR the VMM's PD has not been given
    NestedPageFault = 6,  // guest-physical address and access in the exit qualification
    Exception = 7,  // an intercepted guest exception; vector and error code in the qualification
    Shutdown = 8,  // triple fault
    Init = 9,  // an INIT arrived for this vCPU (intercepted, never taken by the host CPU)
    Xsetbv = 10,  // the guest sets XCR0: the VMM checks it against what the host supports
    Vmcall = 11,  // VMMCALL/VMCALL
    InvalidState = 12,  // the CPU refused to enter the guest with this state
    Other = 13,  // any other intercept; the vendor's exit code in the qualification
};
inline constexpr uint8_t VCPU_EVENT_COUNT = 14;

// A thread's (local or global EC's) events: CPU exceptions by vector, then
// its start-up.
inline constexpr uint8_t THREAD_EVENT_EXCEPTION_BASE = 0;  // + vector (0-31): #PF = 14, #GP = 13, ...
inline constexpr uint8_t THREAD_EVENT_STARTUP = 32;  // a global EC's first run: the reply sets IP and SP
inline constexpr uint8_t THREAD_EVENT_COUNT = 33;

}  // namespace keel::abi
