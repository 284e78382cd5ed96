// The checked-in quote vectors (tests/data/evidence, see its README.md) and
// what the tests need to use them: file contents, PEM keys, PCR values.
#pragma once

#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <string>
#include <vector>

#include "attestation/evidence/quote_check.hpp"

namespace keel::evidence::test {

// A path under tests/data/evidence.
std::string data_path(const std::string& relative);
Bytes read_file(const std::string& relative);

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A SubjectPublicKeyInfo PEM, or the key of an X.509 certificate PEM.
Pkey read_public_key(const std::string& relative);

// One tpm2_quote run: <name>.msg, .sig, .pcrs, .nonce and .akpub.pem.
struct Vector {
    std::string name;
    Bytes msg, sig, pcrs, nonce;
    std::uint16_t hash_alg;  // tpm2_quote -g: signature and pcrDigest hash
};
const std::vector<Vector>& vectors();
const Vector& vector(const std::string& name);

// The message of the ParseError that f throws; a test failure if none.
template <typename F> std::string parse_error(F&& f) {
    try {
        f();
    } catch (const ParseError& e) { return e.what(); }
    ADD_FAILURE() << "no ParseError";
    return {};
}

// {"sha256": {"0": "hex", ...}, ...} as PcrValues.
PcrValues values_from_json(const nlohmann::json& banks);
nlohmann::json read_json(const std::string& relative);

}  // namespace keel::evidence::test
