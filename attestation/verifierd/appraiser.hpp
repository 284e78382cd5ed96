// One appraisal of an enrolled host's evidence, the same whichever way the
// evidence came (pull or push): the host's AK, reference values (its own, or
// the signed document it refers to, whose name@version the appraisal
// records), policy and
// last accepted clock from the store, Keel's checks (verifier.hpp), then the
// appraisal and the host's new state kept in one transaction and counted in
// the metrics.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/verifier/appraisal_cache.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifier/verifier.hpp"
#include "attestation/verifierd/event_feed.hpp"
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
// With the appraiser's cache (Appraiser::cache), logs seen before are not parsed again.
verifier::Evidence parse_evidence_structures(const evidence::EvidenceDocument& document,
                                             verifier::AppraisalCache* parsed_logs = nullptr);

class Appraiser {
public:
    // What an appraisal needs from a host's record, parsed once and kept
    // while the record says the same (a re-enrolment changes it).
    struct Prepared {
        Bytes ak_public_bytes;
        std::string reference_json, policy_json;
        evidence::TpmPublic ak_public;
        evidence::EvpPkey ak;
        eventlog::ReferenceValues reference;
        verifier::Policy policy;
        verifier::AppraisalKey policy_reference_key;  // of these two (appraisal_key.hpp)
    };

    // `instance` names this verifier in every appraisal it keeps; up to
    // `cache_entries` log appraisals are kept for hosts that send the same
    // logs (verifier/appraisal_cache.hpp; 0 keeps none).
    Appraiser(FleetStore& store, Metrics& metrics, std::string instance = {}, std::size_t cache_entries = 0)
        : store_(store), metrics_(metrics), instance_(std::move(instance)), cache_(cache_entries) {}

    // `nonce` is the one this verifier issued for this evidence; `received`
    // when the evidence arrived (latency is measured from there); `lease`
    // for a pulled host this instance claimed (FleetStore::record_appraisal).
    // Throws StoreError when the host's record cannot be used or kept.
    Appraisal appraise(const FleetHost& host, const Bytes& nonce, const verifier::Evidence& evidence, AttestMode mode,
                       std::chrono::steady_clock::time_point received, const Lease* lease = nullptr);

    // Each appraisal that changes its host's state (the state `host` was
    // read with) is published to `feed` (notify_event.hpp); nullptr: none.
    void notify_with(EventFeed* feed) { feed_ = feed; }

    verifier::AppraisalCache& cache() { return cache_; }

private:
    std::shared_ptr<const Prepared> prepared(const HostRecord& record);

    FleetStore& store_;
    Metrics& metrics_;
    const std::string instance_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const Prepared>> prepared_;
    verifier::AppraisalCache cache_;
    EventFeed* feed_ = nullptr;
};

}  // namespace keel::verifierd
