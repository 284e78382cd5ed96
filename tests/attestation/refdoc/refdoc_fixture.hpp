// What the signed reference document tests share: keel measure's reference
// values for a two-component launch, a fresh P-256 key, and documents put
// together by hand (any header, any payload, signed or not) as an attacker
// or a careless publisher would.
#pragma once

#include <nlohmann/json.hpp>
#include <openssl/ec.h>
#include <string>

#include "attestation/ear/compact_jws.hpp"
#include "attestation/ear/es256.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/refdoc/reference_document.hpp"

namespace keel::refdoc::test {

inline ear::Pkey p256_key() { return ear::Pkey(EVP_EC_gen("P-256")); }

// `keel measure -o`'s shape: the SLB and the hypervisor on PCR 17.
inline nlohmann::json reference_values(const std::string& hypervisor_digest = std::string(64, 'b')) {
    return {{"format", "keel-reference-values"},
            {"version", 1},
            {"components",
             {{{"index", 0},
               {"name", "slb"},
               {"pcr", 17},
               {"event_type", 0x601},
               {"detail", "slb.bin"},
               {"digests", {{"sha256", std::string(64, 'a')}}}},
              {{"index", 1},
               {"name", "hypervisor"},
               {"pcr", 17},
               {"event_type", 0x602},
               {"detail", "keel"},
               {"digests", {{"sha256", hypervisor_digest}}}}}}};
}

inline nlohmann::json header(EVP_PKEY* key) {
    return {{"alg", "ES256"}, {"typ", document_type}, {"kid", ear::jwk_thumbprint(key)}};
}

inline nlohmann::json payload(const std::string& name = "keel-hv", const std::string& version = "1.4.2") {
    return {{"name", name}, {"version", version}, {"iat", 1796000000u}, {"reference_values", reference_values()}};
}

// HEADER.PAYLOAD ES256-signed by `key`, whatever either says.
inline std::string signed_document(EVP_PKEY* key, const nlohmann::json& h, const nlohmann::json& p) {
    const auto input = ear::signing_input(h, p);
    return input + "." + ear::to_base64url(ear::es256_sign(key, input));
}

inline std::string genuine(EVP_PKEY* key, const std::string& name = "keel-hv", const std::string& version = "1.4.2") {
    return sign_reference_document(key, name, version, reference_values().dump(), 1796000000);
}

// The parts of a compact JWS.
struct Parts {
    std::string header, payload, signature;
};
inline Parts split(const std::string& token) {
    const auto a = token.find('.'), b = token.find('.', a + 1);
    return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

}  // namespace keel::refdoc::test
