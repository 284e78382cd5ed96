// Base64url without padding (RFC 4648 section 5, as JWS uses it, RFC 7515
// section 2). Decoding is strict: padding, whitespace, the standard
// alphabet's '+' and '/', a length that cannot be, or bits set after the last
// byte are refused, so a token's bytes have one spelling and a signature
// cannot be "the same" under two.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keel::ear {

using Bytes = std::vector<std::uint8_t>;

std::string to_base64url(std::span<const std::uint8_t> bytes);
inline std::string to_base64url(std::string_view text) {
    return to_base64url(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}
std::optional<Bytes> from_base64url(std::string_view text);

}  // namespace keel::ear
