#include "attestation/ear/ear_claims.hpp"

namespace keel::ear {

const char* ear_status(const std::string& verdict) { return verdict == "trusted" ? "affirming" : "contraindicated"; }

nlohmann::json ear_claims(const EarAppraisal& a, const std::string& build) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : a.checks) checks.push_back({{"id", c.id}, {"status", c.status}, {"message", c.message}});
    nlohmann::json submod = {{"ear.status", ear_status(a.verdict)},
                             {"ear.appraisal-policy-id", a.policy_id},
                             {"ear.keel.verdict", a.verdict},
                             {"ear.keel.appraisal-id", a.appraisal_id},
                             {"ear.keel.checks", checks}};
    if (!a.reference.empty()) submod["ear.keel.reference"] = a.reference;
    return {{"eat_profile", ear_profile},
            {"iat", a.issued_at},
            {"ear.verifier-id", {{"developer", "keel"}, {"build", build}}},
            {"eat_nonce", to_base64url(a.nonce)},
            {"submods", {{a.host_id, submod}}}};
}

}  // namespace keel::ear
