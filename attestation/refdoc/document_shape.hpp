// The shape of a signed reference document (reference_document.hpp), with
// no key and no crypto: what its header may say and what its payload must
// hold. The rules are written once and used both before signing (keel
// reference sign refuses to sign what no verifier would accept) and after a
// signature held; the fuzz target runs them on any bytes.
//   header  {"alg": "ES256", "typ": "keel-reference+jwt", "kid": KID}, nothing else
//   payload {"name": NAME, "version": VERSION, "iat": SECONDS,
//            "reference_values": keel measure's reference values}, nothing else
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "attestation/ear/errors.hpp"

namespace keel::refdoc {

// RFC 8725 section 3.11's explicit typing: an EAR (typ JWT) or any other
// token signed by the same key is never taken for a reference document,
// nor the other way round.
inline constexpr const char* document_type = "keel-reference+jwt";

// Names and versions become URL path segments (/v1/references/NAME/VERSION),
// SQL values and log fields: 1 to 64 letters, digits, '.', '_', '-' or '+'
// (semantic versions' build metadata), and not "." or "..".
inline constexpr std::size_t max_label_length = 64;
bool valid_label(const std::string& label);

// Throws ear::TokenRefused unless the header has exactly alg ES256, typ
// document_type and a string kid (require_es256 first, so "none" and HMAC
// are named as such).
void check_document_header(const nlohmann::json& header);

struct DocumentClaims {
    std::string name, version;
    std::int64_t issued_at = 0;  // seconds since the epoch
    std::string reference_json;  // the reference values as signed, compact JSON
};

// Throws ear::TokenRefused naming the member: an unknown or missing one, a
// name or version that is not a valid label, an iat that is not a
// non-negative integer, reference values keel's parser refuses
// (eventlog/reference.hpp: unknown members there are errors too).
DocumentClaims read_document_claims(const nlohmann::json& payload);

}  // namespace keel::refdoc
