// Progress and error lines on stderr, each prefixed "keel-platform: ", so a
// transcript shows what the emulator did (an emulated SKINIT must be obvious).
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace keel::platform {

// One whole line, never interleaved with another thread's.
void log(const std::string& message);

std::string hex(std::span<const uint8_t> bytes);
std::string hex_number(uint64_t value);  // "0x1f"

}  // namespace keel::platform
