#include "serial.hpp"

#include "cpu.hpp"

namespace keel::x86::serial {
namespace {

constinit uint16_t port = 0;

enum Reg : uint16_t { DATA = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
constexpr uint8_t LSR_THR_EMPTY = 0x20;

}  // namespace

void init(uint16_t base) {
    port = base;
    outb(port + IER, 0x00);  // we poll; no UART interrupts
    outb(port + LCR, 0x80);  // DLAB on to set the divisor
    outb(port + DATA, 0x01);  // 115200 baud
    outb(port + IER, 0x00);
    outb(port + LCR, 0x03);  // 8N1, DLAB off
    outb(port + FCR, 0xc7);  // FIFO on and cleared
    outb(port + MCR, 0x03);  // DTR + RTS
}

void put(char c) {
    if (!port) return;
    if (c == '\n') put('\r');
    for (unsigned spins = 0; !(inb(port + LSR) & LSR_THR_EMPTY) && spins < 100000; ++spins) pause();
    outb(port + DATA, uint8_t(c));
}

}  // namespace keel::x86::serial
