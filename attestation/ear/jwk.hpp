// The EAR key's public half as a JWK (RFC 7517; EC members RFC 7518 section
// 6.2): {"kty": "EC", "crv": "P-256", "x", "y", "kid"}, where kid is the
// key's RFC 7638 thumbprint, so a relying party can compute the id of a key
// it was given by other means and compare.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "attestation/ear/es256.hpp"

namespace keel::ear {

// The public JWK of a P-256 key (public or private: only the public part is
// written).
nlohmann::json public_jwk(EVP_PKEY* key);
// RFC 7638: base64url(SHA-256 of {"crv":"P-256","kty":"EC","x":X,"y":Y}),
// members in that order, no whitespace.
std::string jwk_thumbprint(EVP_PKEY* key);

// A P-256 public key from a JWK (an object with kty EC, crv P-256, x and y
// of 32 bytes each, a point on the curve; a JWK with "d" is refused: a
// private key has no business being handed around as a verification key).
// Throws KeyError.
Pkey public_key_from_jwk(const nlohmann::json& jwk);
// A verification key from a file's text: a JWK (JSON) or a PEM public key.
// Throws KeyError.
Pkey load_verification_key(std::string_view text);

}  // namespace keel::ear
