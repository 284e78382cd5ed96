#include "hypervisor/arch/x86/svm/exit_event.hpp"

#include "hypervisor/arch/x86/svm/exit_decode.hpp"

namespace keel::x86::svm {
namespace {

constexpr uint64_t VINTR = 0x64;  // the interrupt window the VMM asked for opened
constexpr uint64_t VMMCALL = 0x81;
constexpr uint64_t XSETBV = 0x8d;

// utcb.hpp's qualification layouts.
uint64_t io_qual(const virt::IoAccess& io) {
    return uint64_t(io.port) | uint64_t(io.size) << 16 | uint64_t(io.in) << 24 | uint64_t(io.string) << 25 |
           uint64_t(io.rep) << 26;
}

}  // namespace

ExitEvent exit_event(uint64_t code, uint64_t info1, uint64_t info2) {
    using abi::VcpuEvent;
    if (code == exit_code::INTR || code == exit_code::NMI) return {true, VcpuEvent::Other, {code, 0}};
    switch (code) {
    case exit_code::INIT: return {false, VcpuEvent::Init, {0, 0}};
    case VINTR: return {false, VcpuEvent::Recall, {0, 0}};
    case VMMCALL: return {false, VcpuEvent::Vmcall, {0, 0}};
    case XSETBV: return {false, VcpuEvent::Xsetbv, {0, 0}};
    default: break;
    }
    // The rest share the decoder the in-kernel VMM uses: one reading of
    // EXITINFO1/2 for both.
    virt::ExitMessage m{};
    decode_exit(code, info1, info2, m);
    switch (m.reason) {
    case virt::ExitReason::Cpuid: return {false, VcpuEvent::Cpuid, {0, 0}};
    case virt::ExitReason::Hlt: return {false, VcpuEvent::Hlt, {0, 0}};
    case virt::ExitReason::Io: return {false, VcpuEvent::Io, {io_qual(m.io), 0}};
    case virt::ExitReason::Msr: return {false, VcpuEvent::Msr, {m.msr.write ? 1u : 0u, 0}};
    case virt::ExitReason::NestedPageFault: return {false, VcpuEvent::NestedPageFault, {info1 & 0x17, m.npf.gpa}};
    case virt::ExitReason::Exception:
        return {false, VcpuEvent::Exception, {m.exception.vector | uint64_t(m.exception.error_code) << 32, 0}};
    case virt::ExitReason::Shutdown: return {false, VcpuEvent::Shutdown, {0, 0}};
    case virt::ExitReason::InvalidState: return {false, VcpuEvent::InvalidState, {0, 0}};
    default: return {false, VcpuEvent::Other, {code, 0}};
    }
}

}  // namespace keel::x86::svm
