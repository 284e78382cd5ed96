#include "attestation/agent/agent_service.hpp"

#include <fstream>
#include <iterator>

#include "attestation/agent/log_files.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/identity_document.hpp"

namespace keel::agent {
namespace {

constexpr std::size_t max_nonce_bytes = 64;  // TPM2B_DATA holds a TPMT_HA: SHA-512 at most

}  // namespace

AgentService::AgentService(const AgentOptions& options) : options_(options), attester_(options.tpm) {
    ak_name_ = attester_.identity().ak_name;  // create or load the keys now, not on the first request
}

std::string AgentService::identity_json() {
    std::lock_guard lock(tpm_mutex_);
    auto id = attester_.identity();
    return evidence::write_identity({id.ek_public, id.ek_certificate, id.ak_public, id.ak_name});
}

std::string AgentService::activate_json(const std::string& challenge_json) {
    evidence::Credential challenge;
    try {
        challenge = evidence::parse_challenge(challenge_json);
    } catch (const evidence::ParseError& e) { throw RequestError(e.what()); }
    std::lock_guard lock(tpm_mutex_);
    return evidence::write_answer(attester_.activate_credential(challenge.credential_blob, challenge.encrypted_secret));
}

std::string AgentService::evidence_json(const std::string& nonce_hex) {
    auto nonce = eventlog::from_hex(nonce_hex);
    if (!nonce || nonce->empty() || nonce->size() > max_nonce_bytes)
        throw RequestError("the nonce must be 1 to " + std::to_string(max_nonce_bytes) + " bytes in hex");
    evidence::EvidenceDocument doc;
    doc.nonce = *nonce;
    if (options_.drtm_log) doc.drtm_log = read_log(*options_.drtm_log);
    if (options_.boot_log) doc.boot_log = read_log(*options_.boot_log);
    std::lock_guard lock(tpm_mutex_);
    auto quote = attester_.quote(*nonce, options_.pcrs);
    doc.ak_name = ak_name_;
    doc.attest = std::move(quote.attest);
    doc.signature = std::move(quote.signature);
    doc.pcr_selection = std::move(quote.pcr_selection);
    doc.pcr_values = std::move(quote.pcr_values);
    return evidence::write_evidence(doc);
}

}  // namespace keel::agent
