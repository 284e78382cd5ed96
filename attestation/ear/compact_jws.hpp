// A JWS in compact serialization (RFC 7515 section 7.1) read from untrusted
// bytes: HEADER.PAYLOAD.SIGNATURE, each base64url without padding, the
// header and the payload JSON objects read exactly (a repeated member is an
// error: exact_json.hpp), at most max_token_bytes in all (or the caller's bound). Nothing here
// decides whether to believe the token: ear_token.hpp does, from what this
// returns, and never reads the raw text again.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "attestation/ear/base64url.hpp"
#include "attestation/ear/errors.hpp"

namespace keel::ear {

// An EAR with every check's message is a few kilobytes; a bound keeps a
// hostile "token" from costing more than that to look at.
inline constexpr std::size_t max_token_bytes = 64u << 10;

struct CompactJws {
    nlohmann::json header;  // an object
    nlohmann::json payload;  // an object
    std::string signing_input;  // HEADER.PAYLOAD as sent: what the signature covers
    Bytes signature;
};

// Throws MalformedToken naming the part (header, payload, signature), or
// when the token is longer than `max_bytes` (another kind of token may
// carry more: a signed reference document holds a launch's reference values).
CompactJws parse_compact_jws(std::string_view token, std::size_t max_bytes = max_token_bytes);

// HEADER.PAYLOAD for these two objects (compact JSON), for signing.
std::string signing_input(const nlohmann::json& header, const nlohmann::json& payload);

}  // namespace keel::ear
