// keel-verifierd's attestation results as EAR tokens (attestation/ear/):
// each host's latest appraisal, signed on request with the key named by
// [ear] signing_key (an EC P-256 private key, PEM). Without the key no
// result is signed and the EAR endpoints say so (404).
//
// The token's appraisal policy id names what the host was appraised
// against: "keel-policy:sha256:" + hex SHA-256 of the enrolled policy
// document, a NUL, and the enrolled reference values, as stored. The
// appraisal does not keep which record it used, so a result is signed only
// when the record cannot have changed since: an appraisal made before the
// host's (latest) enrolment second ended is not signed (EarUnavailable):
// the next one will be. Nor is one made against another reference document
// than the host now refers to (the appraisal records which: name@version,
// also in the token as ear.keel.reference).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "attestation/ear/es256.hpp"
#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

// No result to sign for this host (yet); what(): why, in a sentence.
class EarUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string appraisal_policy_id(const HostRecord& record);

class EarSigner {
public:
    // Reads the PEM private key; throws ConfigError naming the file when it
    // cannot be read or is not an EC P-256 key. `build` goes into every
    // token's ear.verifier-id ("keel-verifierd 0.9.0").
    EarSigner(const std::string& key_file, std::string build);

    // The public key as a JWK, kid its RFC 7638 thumbprint.
    const nlohmann::json& public_jwk() const { return jwk_; }
    // The appraisal as a compact JWS; `host` is its host's current record.
    // Throws EarUnavailable when the host was enrolled again after it.
    std::string sign(const FleetHost& host, const Appraisal& appraisal) const;

private:
    ear::Pkey key_;
    std::string build_;
    nlohmann::json jwk_;
};

}  // namespace keel::verifierd
