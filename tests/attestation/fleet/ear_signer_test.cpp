// keel-verifierd's EAR signer in process: its key must be EC P-256 (else
// the daemon does not start), and a result is signed only when the host's
// record cannot have changed since the appraisal (the token's policy id is
// the record's), with the appraisal's host, nonce, verdict and checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "attestation/ear/ear_token.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/ear_signer.hpp"

namespace keel::verifierd {
namespace {

std::string key_file(const char* curve, const std::string& name) {
    ear::Pkey key(EVP_EC_gen(curve));
    const auto path = std::filesystem::temp_directory_path() / ("keel-ear-signer-" + std::to_string(getpid()) + name);
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    return path.string();
}

FleetHost host() {
    FleetHost h;
    h.record.host_id = "node";
    h.record.enrolled_at = "2026-12-07T10:00:00Z";
    h.record.policy_json = R"({"format": "keel-attestation-policy", "version": 1})";
    h.record.reference_json = R"({"format": "keel-reference-values", "version": 1})";
    return h;
}

Appraisal appraisal(Millis at) {
    Appraisal a;
    a.id = 42;
    a.host_id = "node";
    a.at = at;
    a.nonce = Bytes(32, 0x11);
    a.verdict = "not-trusted";
    a.checks = {{"quote.signature", "pass", "signed by the enrolled AK"}, {"quote.nonce", "fail", "stale"}};
    return a;
}

constexpr Millis enrolled_ms = 1796637600000;  // 2026-12-07T10:00:00Z

TEST(FleetEarSigner, SignsAnAppraisalMadeUnderTheCurrentEnrolment) {
    const auto path = key_file("P-256", "ok.pem");
    EarSigner signer(path, "keel-verifierd test");
    auto key = ear::public_key_from_jwk(signer.public_jwk());
    const auto token = signer.sign(host(), appraisal(enrolled_ms + 1000));
    const auto v = ear::verify_ear(token, key.get(), enrolled_ms / 1000 + 5);
    EXPECT_EQ(v.claims["iat"], enrolled_ms / 1000 + 1);
    EXPECT_EQ(v.claims["eat_nonce"], ear::to_base64url(Bytes(32, 0x11)));
    const auto& s = v.claims["submods"]["node"];
    EXPECT_EQ(s["ear.status"], "contraindicated");
    EXPECT_EQ(s["ear.keel.appraisal-id"], 42);
    EXPECT_EQ(s["ear.keel.checks"][1]["id"], "quote.nonce");
    EXPECT_EQ(s["ear.appraisal-policy-id"], appraisal_policy_id(host().record));
    EXPECT_EQ(s["ear.appraisal-policy-id"].get<std::string>().rfind("keel-policy:sha256:", 0), 0u);
    auto other = host();
    other.record.policy_json += " ";
    EXPECT_NE(appraisal_policy_id(other.record), appraisal_policy_id(host().record));
    std::filesystem::remove(path);
}

TEST(FleetEarSigner, AnAppraisalThatMayPredateTheEnrolmentIsNotSigned) {
    const auto path = key_file("P-256", "early.pem");
    EarSigner signer(path, "keel-verifierd test");
    // In the enrolment's second, or before it: perhaps under the record the
    // enrolment replaced, whose policy the token would misname.
    EXPECT_THROW(signer.sign(host(), appraisal(enrolled_ms + 999)), EarUnavailable);
    EXPECT_THROW(signer.sign(host(), appraisal(enrolled_ms - 60000)), EarUnavailable);
    std::filesystem::remove(path);
}

TEST(FleetEarSigner, OnlyAnEcP256PrivateKeySigns) {
    const auto path = key_file("P-384", "p384.pem");
    try {
        EarSigner signer(path, "x");
        ADD_FAILURE() << "a P-384 key was taken";
    } catch (const ConfigError& e) { EXPECT_NE(std::string(e.what()).find("not P-256"), std::string::npos); }
    std::filesystem::remove(path);
    EXPECT_THROW(EarSigner("/nonexistent/ear.key", "x"), ConfigError);
}

}  // namespace
}  // namespace keel::verifierd
