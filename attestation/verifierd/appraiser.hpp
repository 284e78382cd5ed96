// One appraisal of an enrolled host's evidence, the same whichever way the
// evidence came (pull or push): the host's AK, reference values, policy and
// last accepted clock from the store, Keel's checks (verifier.hpp), then the
// appraisal and the host's new state kept in one transaction and counted in
// the metrics.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string_view>

#include "attestation/verifier/verifier.hpp"
#include "attestation/verifierd/fleet_store.hpp"
#include "attestation/verifierd/metrics.hpp"

namespace keel::verifierd {

// Bytes that are not evidence (malformed JSON, an unknown or repeated
// member, a TPM structure or event log that does not parse): the sender's
// fault, said in a sentence.
class EvidenceRejected : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws EvidenceRejected.
evidence::EvidenceDocument parse_evidence_document(std::string_view text);
verifier::Evidence parse_evidence_structures(const evidence::EvidenceDocument& document);

class Appraiser {
public:
    Appraiser(FleetStore& store, Metrics& metrics) : store_(store), metrics_(metrics) {}

    // `nonce` is the one this verifier issued for this evidence; `received`
    // when the evidence arrived (latency is measured from there). Throws
    // StoreError when the host's record cannot be used.
    Appraisal appraise(const FleetHost& host, const Bytes& nonce, const verifier::Evidence& evidence, AttestMode mode,
                       std::chrono::steady_clock::time_point received);

private:
    FleetStore& store_;
    Metrics& metrics_;
};

}  // namespace keel::verifierd
