#include "attestation/verifierd/appraiser.hpp"

#include "attestation/verifierd/notify_event.hpp"

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/evidence/tpm_types.hpp"
#include "attestation/verifier/policy.hpp"

namespace keel::verifierd {

evidence::EvidenceDocument parse_evidence_document(std::string_view text) {
    try {
        return evidence::parse_evidence(text);
    } catch (const evidence::ParseError& e) { throw EvidenceRejected(e.what()); }
}

verifier::Evidence parse_evidence_structures(const evidence::EvidenceDocument& document,
                                             verifier::AppraisalCache* parsed_logs) {
    try {
        return verifier::parse_evidence(document, parsed_logs);
    } catch (const evidence::ParseError& e) { throw EvidenceRejected(e.what()); } catch (const eventlog::Error& e) {
        throw EvidenceRejected(std::string("event log: ") + e.what());
    }
}

std::shared_ptr<const Appraiser::Prepared> Appraiser::prepared(const HostRecord& record) {
    {
        std::lock_guard lock(mutex_);
        auto it = prepared_.find(record.host_id);
        if (it != prepared_.end() && it->second->ak_public_bytes == record.ak_public &&
            it->second->reference_json == record.reference_json && it->second->policy_json == record.policy_json)
            return it->second;
    }
    auto p = std::make_shared<Prepared>();
    p->ak_public_bytes = record.ak_public;
    p->reference_json = record.reference_json;
    p->policy_json = record.policy_json;
    try {
        p->ak_public = evidence::parse_public(record.ak_public);
        p->ak = evidence::to_evp_pkey(p->ak_public);
        p->reference = eventlog::parse_reference_values(record.reference_json);
        p->policy = verifier::parse_policy(record.policy_json);
        p->policy_reference_key = verifier::policy_reference_key(&p->policy, &p->reference);
    } catch (const std::exception& e) {
        throw StoreError("the record of host \"" + record.host_id + "\" is damaged: " + e.what());
    }
    std::lock_guard lock(mutex_);
    prepared_[record.host_id] = p;
    return p;
}

Appraisal Appraiser::appraise(const FleetHost& host, const Bytes& nonce, const verifier::Evidence& evidence,
                              AttestMode mode, std::chrono::steady_clock::time_point received, const Lease* lease) {
    const auto& record = host.record;
    const auto p = prepared(record);
    verifier::Expectations x;
    x.host_id = record.host_id;
    x.nonce = nonce;
    x.ak = p->ak.get();
    x.ak_public = &p->ak_public;
    x.enrolled_ak_name = record.ak_name;
    x.last_clock = record.last_clock;
    x.reference = &p->reference;
    x.policy = &p->policy;
    x.policy_reference_key = &p->policy_reference_key;
    if (!record.ek_certificate) x.enrollment_note = "; its EK is not certified (enrolled without an EK certificate)";
    const auto result = verifier::verify(evidence, x, &cache_);

    Appraisal a;
    a.host_id = record.host_id;
    a.at = now_ms();
    a.nonce = nonce;
    a.mode = mode;
    a.instance = instance_;
    // The values and this label come from one read of the record: a
    // document's values never change, so the label says what was used.
    if (record.reference_document) a.reference = record.reference_document->label();
    a.verdict = result.trusted() ? "trusted" : "not-trusted";
    for (const auto& c : result.checks) a.checks.push_back({c.id, verifier::status_name(c.status), c.message});
    a.duration_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - received).count();
    a = store_.record_appraisal(std::move(a), result.trusted() ? result.clock : std::nullopt, lease);
    metrics_.appraised(a);
    // What was stored decides (a quote behind the last accepted one is kept
    // as not trusted whatever the checks said).
    if (feed_ && state_after(a) != host.state)
        feed_->publish(verdict_change_event(a.host_id, host.state, state_after(a), a.at, &a));
    return a;
}

}  // namespace keel::verifierd
