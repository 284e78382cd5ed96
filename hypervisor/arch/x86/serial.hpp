// 16550 UART console. Polls the line status register before every byte, as
// slow or emulated UARTs (Bochs models the timing) drop characters otherwise.
#pragma once
#include <stdint.h>

namespace keel::x86::serial {

constexpr uint16_t COM1 = 0x3f8;

void init(uint16_t base = COM1);
void put(char c);

}  // namespace keel::x86::serial
