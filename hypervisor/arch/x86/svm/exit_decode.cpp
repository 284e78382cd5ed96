#include "exit_decode.hpp"

namespace keel::x86::svm {
namespace {

// EXITINFO1 for IOIO intercepts (APM vol. 2, 15.10.2)
constexpr uint64_t IO_IN = 1u << 0;
constexpr uint64_t IO_STRING = 1u << 2;
constexpr uint64_t IO_REP = 1u << 3;
constexpr uint64_t IO_SZ8 = 1u << 4;
constexpr uint64_t IO_SZ16 = 1u << 5;
constexpr uint64_t IO_SZ32 = 1u << 6;

// EXITINFO1 for MSR intercepts: 0 = RDMSR, 1 = WRMSR
constexpr uint64_t MSR_WRITE = 1u << 0;

// EXITINFO1 for nested page faults: a #PF-style error code
constexpr uint64_t NPF_PRESENT = 1u << 0;
constexpr uint64_t NPF_WRITE = 1u << 1;
constexpr uint64_t NPF_EXECUTE = 1u << 4;

virt::ExitReason reason_of(uint64_t code) {
    switch (code) {
    case exit_code::CPUID: return virt::ExitReason::Cpuid;
    case exit_code::IOIO: return virt::ExitReason::Io;
    case exit_code::HLT: return virt::ExitReason::Hlt;
    case exit_code::NPF: return virt::ExitReason::NestedPageFault;
    case exit_code::MSR: return virt::ExitReason::Msr;
    case exit_code::SHUTDOWN: return virt::ExitReason::Shutdown;
    case exit_code::INTR:
    case exit_code::NMI:
    case exit_code::INIT: return virt::ExitReason::Interrupt;  // the host's, never the guest's
    case exit_code::INVALID: return virt::ExitReason::InvalidState;
    default:
        if (code >= exit_code::EXCEPTION_BASE && code < exit_code::EXCEPTION_BASE + 32)
            return virt::ExitReason::Exception;
        return virt::ExitReason::Unknown;
    }
}

// EXITINTINFO / EVENTINJ (APM vol. 2, 15.20)
constexpr uint64_t EVENT_VALID = 1ull << 31;
constexpr unsigned EVENT_TYPE_SHIFT = 8;
constexpr uint64_t EVENT_TYPE_MASK = 7;
constexpr uint64_t EVENT_VECTOR_MASK = 0xff;
enum EventType : uint64_t { EXTERNAL_INTERRUPT = 0, NMI = 2, EXCEPTION = 3, SOFTWARE_INTERRUPT = 4 };
constexpr uint64_t VECTOR_BREAKPOINT = 3, VECTOR_OVERFLOW = 4;

}  // namespace

uint64_t event_to_reinject(uint64_t info) {
    if (!(info & EVENT_VALID)) return 0;
    uint64_t type = (info >> EVENT_TYPE_SHIFT) & EVENT_TYPE_MASK;
    uint64_t vector = info & EVENT_VECTOR_MASK;
    bool from_instruction =
        type == SOFTWARE_INTERRUPT || (type == EXCEPTION && (vector == VECTOR_BREAKPOINT || vector == VECTOR_OVERFLOW));
    bool known = type == EXTERNAL_INTERRUPT || type == NMI || type == EXCEPTION;
    return known && !from_instruction ? info : 0;
}

void decode_exit(uint64_t code, uint64_t info1, uint64_t info2, virt::ExitMessage& msg) {
    msg.reason = reason_of(code);
    msg.hw_code = code;
    msg.hw_info1 = info1;
    msg.hw_info2 = info2;
    if (msg.reason == virt::ExitReason::Io) {
        msg.io = virt::IoAccess{
            uint16_t(info1 >> 16), uint8_t((info1 & IO_SZ32) ? 4 : (info1 & IO_SZ16) ? 2 : (info1 & IO_SZ8) ? 1 : 0),
            bool(info1 & IO_IN),   bool(info1 & IO_STRING),
            bool(info1 & IO_REP),  info2,
        };
    } else if (msg.reason == virt::ExitReason::NestedPageFault) {
        msg.npf =
            virt::NestedFault{info2, bool(info1 & NPF_PRESENT), bool(info1 & NPF_WRITE), bool(info1 & NPF_EXECUTE)};
    } else if (msg.reason == virt::ExitReason::Msr) {
        msg.msr = virt::MsrAccess{bool(info1 & MSR_WRITE)};
    } else if (msg.reason == virt::ExitReason::Exception) {
        msg.exception = virt::GuestException{uint8_t(code - exit_code::EXCEPTION_BASE), uint32_t(info1)};
    }
}

}  // namespace keel::x86::svm
