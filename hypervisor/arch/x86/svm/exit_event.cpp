#include "hypervisor/arch/x86/svm/exit_event.hpp"

#include "hypervisor/arch/x86/svm/exit_decode.hpp"

namespace keel::x86::svm {
namespace {

// EXITINFO1 of an IOIO intercept (APM vol. 2, 15.10.2).
constexpr uint64_t IO_IN = 1 << 0, IO_STRING = 1 << 2, IO_REP = 1 << 3;
constexpr uint64_t IO_SZ8 = 1 << 4, IO_SZ16 = 1 << 5, IO_SZ32 = 1 << 6;
// EXITINFO1 of a nested page fault: a #PF-style error code; the ABI keeps
// present, write, user and execute.
constexpr uint64_t NPF_ACCESS_BITS = 0x17;

// utcb.hpp's layout: port | size << 16 | in << 24 | string << 25 | rep << 26.
uint64_t io_qual(uint64_t info1) {
    uint64_t size = (info1 & IO_SZ32) ? 4 : (info1 & IO_SZ16) ? 2 : (info1 & IO_SZ8) ? 1 : 0;
    return (info1 >> 16 & 0xffff) | size << 16 | uint64_t(info1 & IO_IN ? 1 : 0) << 24 |
           uint64_t(info1 & IO_STRING ? 1 : 0) << 25 | uint64_t(info1 & IO_REP ? 1 : 0) << 26;
}

}  // namespace

ExitEvent exit_event(uint64_t code, uint64_t info1, uint64_t info2) {
    using abi::VcpuEvent;
    switch (code) {
    case exit_code::INTR:
    case exit_code::NMI: return {true, VcpuEvent::Other, {code, 0}};
    case exit_code::INIT: return {false, VcpuEvent::Init, {0, 0}};
    case exit_code::VINTR: return {false, VcpuEvent::Recall, {0, 0}};
    case exit_code::VMMCALL: return {false, VcpuEvent::Vmcall, {0, 0}};
    case exit_code::XSETBV: return {false, VcpuEvent::Xsetbv, {0, 0}};
    case exit_code::CPUID: return {false, VcpuEvent::Cpuid, {0, 0}};
    case exit_code::HLT: return {false, VcpuEvent::Hlt, {0, 0}};
    case exit_code::IOIO: return {false, VcpuEvent::Io, {io_qual(info1), 0}};
    case exit_code::MSR: return {false, VcpuEvent::Msr, {info1 & 1, 0}};
    case exit_code::NPF: return {false, VcpuEvent::NestedPageFault, {info1 & NPF_ACCESS_BITS, info2}};
    case exit_code::SHUTDOWN: return {false, VcpuEvent::Shutdown, {0, 0}};
    case exit_code::INVALID: return {false, VcpuEvent::InvalidState, {0, 0}};
    default: break;
    }
    if (code >= exit_code::EXCEPTION_BASE && code < exit_code::EXCEPTION_BASE + 32)
        return {false, VcpuEvent::Exception, {(code - exit_code::EXCEPTION_BASE) | (info1 & 0xffffffff) << 32, 0}};
    return {false, VcpuEvent::Other, {code, 0}};
}

}  // namespace keel::x86::svm
