// Enrolment of a host: the verifier's judgement of the identity an agent
// presents. Named checks (plus ek.public when the EK is not a key a
// credential can be made for): ek.certificate (the EK certificate chains to
// a trusted CA and certifies this EK), ak.attributes (the AK is a restricted,
// TPM-bound signing key whose name matches its public area) and
// ak.credential (the AK is on the EK's TPM: a MakeCredential secret bound to
// the AK's name comes back through ActivateCredential).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attestation/evidence/identity_document.hpp"
#include "attestation/evidence/make_credential.hpp"
#include "attestation/verifier/attestation_result.hpp"

namespace keel::verifier {

namespace check {
inline constexpr const char* ek_certificate = "ek.certificate";
inline constexpr const char* ek_public = "ek.public";
inline constexpr const char* ak_attributes = "ak.attributes";
inline constexpr const char* ak_credential = "ak.credential";
}  // namespace check

struct EnrollmentOptions {
    std::vector<std::string> ek_ca_files;  // PEM roots and intermediates
    bool allow_no_ek_certificate = false;  // a TPM without one (some vTPMs): trust the EK by other means
};

struct Enrollment {
    std::vector<Check> checks;
    std::optional<evidence::Credential> challenge;  // set when the identity checks passed
    Bytes secret;  // the verifier's; never leaves it except inside the challenge
    bool ok() const;
};

// Throws evidence::ParseError when the identity's keys are malformed.
Enrollment begin_enrollment(const evidence::IdentityDocument& identity, const EnrollmentOptions& options);
// Adds the ak.credential check for the agent's answer.
void finish_enrollment(Enrollment& enrollment, const Bytes& answered_secret);
// Adds a failed ak.credential check when the agent could not answer at all
// (its TPM refused the activation); `why` is the agent's sentence.
void credential_not_activated(Enrollment& enrollment, const std::string& why);

}  // namespace keel::verifier
