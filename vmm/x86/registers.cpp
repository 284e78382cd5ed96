#include "vmm/x86/registers.hpp"

namespace keel::vmm::x86 {

Registers registers_of(const abi::VcpuState& s) {
    return {
        {s.rax, s.rcx, s.rdx, s.rbx, s.rsp, s.rbp, s.rsi, s.rdi, s.r8, s.r9, s.r10, s.r11, s.r12, s.r13, s.r14, s.r15},
        s.rip,
        s.rflags};
}

void store_registers(const Registers& r, abi::VcpuState& s) {
    s.rax = r.gpr[RAX], s.rcx = r.gpr[RCX], s.rdx = r.gpr[RDX], s.rbx = r.gpr[RBX];
    s.rsp = r.gpr[RSP], s.rbp = r.gpr[RBP], s.rsi = r.gpr[RSI], s.rdi = r.gpr[RDI];
    s.r8 = r.gpr[R8], s.r9 = r.gpr[R9], s.r10 = r.gpr[R10], s.r11 = r.gpr[R11];
    s.r12 = r.gpr[R12], s.r13 = r.gpr[R13], s.r14 = r.gpr[R14], s.r15 = r.gpr[R15];
    s.rip = r.rip;
    s.rflags = r.rflags;
}

}  // namespace keel::vmm::x86
