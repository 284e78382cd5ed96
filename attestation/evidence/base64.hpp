// Base64 (RFC 4648, standard alphabet, padded) for the binary fields of
// Keel's JSON documents. Decoding is strict: whitespace, URL-safe letters,
// missing padding or bits after the last byte are errors, so one value has
// exactly one encoding.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "attestation/evidence/bytes.hpp"

namespace keel::evidence {

std::string to_base64(std::span<const std::uint8_t> bytes);
std::optional<Bytes> from_base64(std::string_view text);

}  // namespace keel::evidence
