// EAR tokens: a claims-set (ear_claims.hpp) signed as a compact JWS with
// ES256, and what a relying party checks before believing one.
//
// verify_ear's checks, in order; the first that fails ends it:
//   1. the bytes are a compact JWS (compact_jws.hpp)          MalformedToken
//   2. "alg" is exactly "ES256": "none", HS256 (which would take the
//      public key as an HMAC secret: alg confusion), RS256, ES384 and
//      everything else are refused before any key is used    TokenRefused
//   3. no "crit": Keel understands no header extension        TokenRefused
//   4. "typ", if present, is "JWT"                            TokenRefused
//   5. the signature is 64 bytes r || s and verifies with the
//      given P-256 key over HEADER.PAYLOAD as sent            TokenRefused
//   6. "exp", if present, is a number and not yet reached;
//      "nbf", if present, is a number and reached             TokenRefused
//   7. the claims are an EAR: eat_profile, a numeric iat, and
//      submods each with an "ear.status" the draft defines    TokenRefused
// Only then are the header and claims handed out.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "attestation/ear/compact_jws.hpp"
#include "attestation/ear/es256.hpp"

namespace keel::ear {

// Header {"alg": "ES256", "typ": "JWT", "kid": the key's thumbprint}.
std::string sign_ear(EVP_PKEY* key, const nlohmann::json& claims);

struct VerifiedEar {
    nlohmann::json header, claims;
};

// `now`: seconds since the epoch, for exp and nbf. Throws MalformedToken or
// TokenRefused (above).
VerifiedEar verify_ear(std::string_view token, EVP_PKEY* key, std::int64_t now);

}  // namespace keel::ear
