// The 8254 PIT: the known-rate clock the APIC timer is calibrated against,
// and the delays of starting other CPUs (channel 2, gated through port
// 0x61, no interrupts).
#pragma once
#include <stdint.h>

namespace keel::x86::pit {

constexpr uint32_t FREQUENCY_HZ = 1193182;

// Starts a one-shot countdown of `ms` milliseconds (at most 50).
void start_oneshot(uint32_t ms);
bool expired();
// Waits `ms` milliseconds (at most 50), or less if the PIT does not count.
void delay_ms(uint32_t ms);

// Polls expired() at most this often before deciding the PIT does not count
// (some modern platforms have none); far more than 50 ms of port reads.
constexpr uint32_t MAX_POLLS = 50'000'000;

}  // namespace keel::x86::pit
