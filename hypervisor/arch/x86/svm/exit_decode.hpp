// SVM's exit codes (AMD APM vol. 2, appendix C) and the event an exit
// interrupted, which must be delivered again. Pure: unit-tested on the host.
#pragma once
#include <stdint.h>

namespace keel::x86::svm {

namespace exit_code {
constexpr uint64_t EXCEPTION_BASE = 0x40;  // 0x40 + vector for exception intercepts
constexpr uint64_t INTR = 0x60;
constexpr uint64_t NMI = 0x61;
constexpr uint64_t INIT = 0x63;
constexpr uint64_t VINTR = 0x64;
constexpr uint64_t CPUID = 0x72;
constexpr uint64_t HLT = 0x78;
constexpr uint64_t IOIO = 0x7b;
constexpr uint64_t MSR = 0x7c;
constexpr uint64_t SHUTDOWN = 0x7f;
constexpr uint64_t VMMCALL = 0x81;
constexpr uint64_t XSETBV = 0x8d;
constexpr uint64_t NPF = 0x400;
constexpr uint64_t INVALID = ~0ull;  // VMEXIT_INVALID: the VMCB's guest state was refused
}  // namespace exit_code

// The EVENTINJ value for the next entry, given this exit's EXITINTINFO:
// an event the CPU was delivering when the exit hit would otherwise be lost.
// Only events that do not come from an instruction are delivered again
// (external interrupts, NMIs, exceptions other than #BP/#OF); INT n, INT3
// and INTO are raised anew when their instruction runs again (the exit left
// RIP on it), and injecting them as well would run the handler twice.
uint64_t event_to_reinject(uint64_t exit_interrupt_info);

}  // namespace keel::x86::svm
