// The frame isr.S builds on the stack for every interrupt and exception.
#pragma once
#include <stdint.h>

namespace keel::x86 {

struct InterruptFrame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};
static_assert(sizeof(InterruptFrame) == 22 * 8);

namespace vector {
constexpr uint8_t LAPIC_TIMER = 48;
constexpr uint8_t KICK = 0xf0;  // another CPU changed what this one should run
constexpr uint8_t TLB_SHOOTDOWN = 0xf1;  // another CPU changed page tables (tlb.hpp)
constexpr uint8_t SPURIOUS = 255;
}  // namespace vector

}  // namespace keel::x86
