// Lowercase hex for digests, and its strict inverse for reference values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keel::eventlog {

std::string to_hex(std::span<const std::uint8_t> bytes);
// Accepts upper- and lowercase digits, an even count and nothing else.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

}  // namespace keel::eventlog
