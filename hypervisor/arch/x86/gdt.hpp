// The kernel's GDT and TSS. The TSS exists for its interrupt stack table:
// double fault, NMI and machine check run on stacks of their own, so a
// kernel stack overflow still ends in a readable register dump.
#pragma once
#include <stdint.h>

namespace keel::x86::gdt {

constexpr uint16_t KERNEL_CODE = 0x08;
constexpr uint16_t KERNEL_DATA = 0x10;
constexpr uint16_t TSS = 0x18;

constexpr uint8_t IST_DOUBLE_FAULT = 1;
constexpr uint8_t IST_NMI = 2;
constexpr uint8_t IST_MACHINE_CHECK = 3;

void init();

}  // namespace keel::x86::gdt
