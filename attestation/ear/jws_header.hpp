// The header rules every JWS Keel verifies shares (EAR tokens, signed
// reference documents): the algorithm is exactly ES256 and nothing is
// marked critical. Checked before any key is used, so "none" (unsigned),
// HS256 (an HMAC keyed with the public key, which anyone holding it could
// make: alg confusion), RS256, ES384 and every other name are refused, and
// a "crit" extension Keel does not implement cannot be silently ignored.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "attestation/ear/errors.hpp"

namespace keel::ear {

inline constexpr const char* es256_name = "ES256";

// Throws TokenRefused naming the algorithm or "crit".
void require_es256(const nlohmann::json& header);

// A value from a token, quoted and escaped to ASCII: messages end up on a
// terminal, and the token is anyone's.
std::string quoted_json(const nlohmann::json& value);

}  // namespace keel::ear
