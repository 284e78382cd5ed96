#include "vm_exit.hpp"

namespace keel::virt {

const char* exit_reason_name(ExitReason r) {
    switch (r) {
    case ExitReason::Cpuid: return "CPUID";
    case ExitReason::Io: return "IOIO";
    case ExitReason::Hlt: return "HLT";
    case ExitReason::NestedPageFault: return "NPF";
    case ExitReason::Msr: return "MSR";
    case ExitReason::Shutdown: return "SHUTDOWN";
    case ExitReason::Exception: return "EXCEPTION";
    case ExitReason::Interrupt: return "INTR";
    case ExitReason::InvalidState: return "INVALID";
    case ExitReason::Unknown: return "OTHER";
    case ExitReason::Count: break;
    }
    return "?";
}

}  // namespace keel::virt
