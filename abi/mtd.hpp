// Message transfer descriptor: which parts of a vCPU's state travel with an
// exit. An exit portal is created with an MTD (the state its handler
// receives in the UTCB); the handler's reply names, with its own MTD, the
// state it changed, which the kernel checks and writes back. Each bit is a
// group of fields of utcb.hpp's VcpuState.
#pragma once
#include <stdint.h>

namespace keel::abi::mtd {

inline constexpr uint64_t GPR_ACDB = 1 << 0;  // rax, rcx, rdx, rbx
inline constexpr uint64_t GPR_BSD = 1 << 1;  // rbp, rsi, rdi
inline constexpr uint64_t GPR_R8_R15 = 1 << 2;
inline constexpr uint64_t RSP = 1 << 3;
inline constexpr uint64_t RIP_LEN = 1 << 4;  // rip, and the exiting instruction's length where known
inline constexpr uint64_t RFLAGS = 1 << 5;
inline constexpr uint64_t DS_ES = 1 << 6;
inline constexpr uint64_t FS_GS = 1 << 7;
inline constexpr uint64_t CS_SS = 1 << 8;
inline constexpr uint64_t TR = 1 << 9;
inline constexpr uint64_t LDTR = 1 << 10;
inline constexpr uint64_t GDTR = 1 << 11;
inline constexpr uint64_t IDTR = 1 << 12;
inline constexpr uint64_t CR = 1 << 13;  // cr0, cr2, cr3, cr4, efer
inline constexpr uint64_t DR = 1 << 14;  // dr7 (dr0-3, dr6 are switched by the kernel, never transferred)
inline constexpr uint64_t SYSENTER = 1 << 15;
inline constexpr uint64_t QUAL = 1 << 16;  // exit qualification (read only)
inline constexpr uint64_t INJ = 1 << 17;  // event injection, interrupt-window request
inline constexpr uint64_t STA = 1 << 18;  // interruptibility (STI/MOV SS shadow)
inline constexpr uint64_t TSC = 1 << 19;  // TSC offset
inline constexpr uint64_t XCR0 = 1 << 20;
inline constexpr uint64_t CTRL = 1 << 21;  // which exits the VMM wants beyond the ones the kernel forces

inline constexpr uint64_t ALL = (uint64_t(1) << 22) - 1;
// What a reply may write back: everything but the qualification.
inline constexpr uint64_t WRITABLE = ALL & ~QUAL;

}  // namespace keel::abi::mtd
