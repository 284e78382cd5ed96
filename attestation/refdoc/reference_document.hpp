// Reference values as a signed document: `keel measure`'s output for one
// hypervisor build, published once under a name and a version and signed by
// its publisher, so that a fleet's hosts refer to it ("keel-hv" version
// "1.4.2") instead of each holding a copy that is edited one by one.
//
// The document is a JWS in compact serialization (RFC 7515 section 7.1)
// signed with ES256 (ECDSA P-256, SHA-256), its header and payload as in
// document_shape.hpp. Why this form: the signature covers the base64url
// bytes exactly as sent, so no canonical JSON encoding has to be agreed
// (the payload is parsed once, exactly, after the signature held); it is one
// line of text an operator can pass around, store and paste into curl; any
// JOSE library can check it; and Keel already signs and verifies its EAR
// tokens in this form with the same code (attestation/ear/), which a second
// format would duplicate.
//
// verify_reference_document's checks, in order; the first that fails ends it:
//   1. the bytes are a compact JWS of at most max_document_bytes   MalformedToken
//   2. "alg" is exactly ES256 ("none", HS256 and the rest are
//      refused before the key is used) and there is no "crit"      TokenRefused
//   3. "typ" is keel-reference+jwt, "kid" is a string, and the
//      header has no other member                                  TokenRefused
//   4. "kid" is the given key's RFC 7638 thumbprint                TokenRefused
//   5. the signature verifies with the given P-256 key over
//      HEADER.PAYLOAD as sent                                      TokenRefused
//   6. the payload has exactly name, version, iat and
//      reference_values, each valid (document_shape.hpp)           TokenRefused
// Only then is the document handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "attestation/ear/es256.hpp"
#include "attestation/refdoc/document_shape.hpp"

namespace keel::refdoc {

// A launch's reference values are a few kilobytes (a firmware boot log's
// components more); a bound keeps a hostile document cheap to look at.
inline constexpr std::size_t max_document_bytes = 1u << 20;

struct ReferenceDocument {
    std::string name, version;
    std::int64_t issued_at = 0;  // seconds since the epoch, as the publisher signed it
    std::string reference_json;  // the reference values as signed (compact JSON)
    std::string publisher;  // "kid": the RFC 7638 thumbprint of the key that signed it
    std::string digest;  // "sha256:" + hex SHA-256 of the document's bytes: which document this is
    std::string token;  // the document exactly as published
    std::string label() const { return name + "@" + version; }
};

// Signs `reference_json` (keel measure's output) as NAME@VERSION. Throws
// ear::TokenRefused when the document would not verify (a bad label,
// reference values keel does not accept), ear::KeyError when OpenSSL cannot
// sign with `key`.
std::string sign_reference_document(EVP_PKEY* key, const std::string& name, const std::string& version,
                                    std::string_view reference_json, std::int64_t issued_at);

// Throws ear::MalformedToken or ear::TokenRefused (above), ear::KeyError
// when `key` is not a P-256 key.
ReferenceDocument verify_reference_document(std::string_view token, EVP_PKEY* key);

// The "kid" a document's header names, unverified: only for choosing which
// trusted key to verify it with. Throws as verify_reference_document's
// steps 1-3 do.
std::string document_key_id(std::string_view token);

// "sha256:" + hex SHA-256 of `bytes`.
std::string sha256_label(std::string_view bytes);

}  // namespace keel::refdoc
