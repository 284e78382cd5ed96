// One keel-verifierd appraisal as an EAR claims-set (draft-fv-rats-ear,
// with the claim names of Veraison's EAR library):
//   {"eat_profile": "tag:github.com,2023:veraison/ear",
//    "iat": when the appraisal was made (seconds since the epoch),
//    "ear.verifier-id": {"developer": "keel", "build": "keel-verifierd VERSION"},
//    "eat_nonce": the appraisal's nonce (base64url),
//    "submods": {HOST-ID: {"ear.status": "affirming" | "contraindicated",
//                          "ear.appraisal-policy-id": POLICY-ID,
//                          "ear.keel.verdict": "trusted" | "not-trusted",
//                          "ear.keel.appraisal-id": N,
//                          "ear.keel.reference": "name@version" (when the host refers
//                                                to a signed reference document),
//                          "ear.keel.checks": [{"id", "status", "message"}, ...]}}}
// "ear.keel.*" are Keel's extensions (the draft lets a profile add claims;
// Veraison names its own "ear.veraison.*"). No trustworthiness vector: Keel's
// checks do not map one to one onto AR4SI's claims, and a vector that
// guessed would say more than the appraisal did.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attestation/ear/base64url.hpp"

namespace keel::ear {

inline constexpr const char* ear_profile = "tag:github.com,2023:veraison/ear";

struct EarCheck {
    std::string id, status, message;  // status: pass, fail, skipped
};

struct EarAppraisal {
    std::string host_id;
    std::string verdict;  // keel's: trusted, not-trusted
    Bytes nonce;
    std::int64_t issued_at = 0;  // seconds since the epoch
    std::string policy_id;
    std::int64_t appraisal_id = 0;
    std::string reference;  // the signed reference document's name@version; empty: the host's own values
    std::vector<EarCheck> checks;
};

// "affirming" for trusted; "contraindicated" for anything else (a verdict
// this code does not know is never affirmed).
const char* ear_status(const std::string& verdict);

// `build` names the verifier's build ("keel-verifierd 0.9.0").
nlohmann::json ear_claims(const EarAppraisal& appraisal, const std::string& build);

}  // namespace keel::ear
