// libFuzzer target: an EAR token (a compact JWS from the network, or pasted
// into keel ear verify) read by the parser every verification starts with.
// For any bytes it either refuses with MalformedToken or gives a header and
// payload that are JSON objects, a signing input that is exactly the
// token's first two parts, and a signature whose base64url is exactly the
// third (one spelling per token); it never crashes or reads outside.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attestation/ear/compact_jws.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view token(reinterpret_cast<const char*>(data), size);
    try {
        auto jws = keel::ear::parse_compact_jws(token);
        if (!jws.header.is_object() || !jws.payload.is_object()) abort();
        if (token.size() > keel::ear::max_token_bytes) abort();
        if (token.substr(0, jws.signing_input.size()) != jws.signing_input) abort();
        if (token.substr(jws.signing_input.size()) != "." + keel::ear::to_base64url(jws.signature)) abort();
    } catch (const keel::ear::MalformedToken&) {}
    return 0;
}
