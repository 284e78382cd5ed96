#include "pit.hpp"

#include "cpu.hpp"

namespace keel::x86::pit {
namespace {
constexpr uint16_t CHANNEL2 = 0x42, COMMAND = 0x43, GATE = 0x61;
constexpr uint8_t GATE_ON = 0x01, SPEAKER_ON = 0x02, OUTPUT_HIGH = 0x20;
}  // namespace

void start_oneshot(uint32_t ms) {
    uint32_t count = FREQUENCY_HZ * ms / 1000;
    if (count > 0xffff) count = 0xffff;
    outb(GATE, uint8_t((inb(GATE) & ~SPEAKER_ON) & ~GATE_ON));
    outb(COMMAND, 0xb0);  // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count)
    outb(CHANNEL2, uint8_t(count));
    outb(CHANNEL2, uint8_t(count >> 8));
    outb(GATE, uint8_t(inb(GATE) | GATE_ON));  // rising gate starts the count
}

bool expired() { return inb(GATE) & OUTPUT_HIGH; }

void delay_ms(uint32_t ms) {
    start_oneshot(ms);
    for (uint32_t polls = 0; !expired() && polls < MAX_POLLS; ++polls) {}
}

}  // namespace keel::x86::pit
