// What the EAR tests share: a fresh P-256 key, an appraisal made up for one
// host, and tokens put together by hand (any header, any signature bytes),
// as an attacker would.
#pragma once

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "attestation/ear/ear_claims.hpp"
#include "attestation/ear/ear_token.hpp"
#include "attestation/ear/jwk.hpp"

namespace keel::ear::test {

inline Pkey p256_key() { return Pkey(EVP_EC_gen("P-256")); }

inline EarAppraisal appraisal(const std::string& verdict = "trusted") {
    EarAppraisal a;
    a.host_id = "node-1";
    a.verdict = verdict;
    a.nonce = Bytes(32, 0x5a);
    a.nonce[0] = 0xfb;  // a byte whose base64url differs from base64's
    a.issued_at = 1796000000;
    a.policy_id = "keel-policy:sha256:00";
    a.appraisal_id = 7;
    a.checks = {{"quote.signature", "pass", "ok"}, {"quote.nonce", verdict == "trusted" ? "pass" : "fail", "m"}};
    return a;
}

inline nlohmann::json claims(const std::string& verdict = "trusted") {
    return ear_claims(appraisal(verdict), "keel-verifierd test");
}

// HEADER.PAYLOAD.SIGNATURE from parts chosen by the caller.
inline std::string assemble(const nlohmann::json& header, const nlohmann::json& payload, const Bytes& signature) {
    return signing_input(header, payload) + "." + to_base64url(signature);
}

// A token with this header, ES256-signed by `key` whatever the header says.
inline std::string signed_with_header(EVP_PKEY* key, const nlohmann::json& header, const nlohmann::json& payload) {
    const auto input = signing_input(header, payload);
    return input + "." + to_base64url(es256_sign(key, input));
}

inline Bytes hmac_sha256(const std::string& secret, const std::string& input) {
    Bytes mac(32);
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &size);
    return mac;
}

}  // namespace keel::ear::test
