#include "attestation/verifier/appraisal_key.hpp"

#include <stdexcept>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

namespace keel::verifier {
namespace {

// The key's input is gathered and hashed at once: hundreds of small
// EVP_DigestUpdate calls cost more than the hashing itself.
class KeyHash {
public:
    KeyHash() { input_.reserve(16 * 1024); }
    void number(std::uint64_t v) {
        for (int i = 7; i >= 0; --i) input_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    // Length first: "ab" + "c" and "a" + "bc" must not hash alike.
    void bytes(std::span<const std::uint8_t> v) {
        number(v.size());
        input_.insert(input_.end(), v.begin(), v.end());
    }
    void text(std::string_view v) {
        number(v.size());
        input_.insert(input_.end(), v.begin(), v.end());
    }
    AppraisalKey finish() {
        AppraisalKey out{};
        unsigned int n = 0;
        if (EVP_Digest(input_.data(), input_.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 || n != out.size())
            throw std::runtime_error("OpenSSL: SHA-256 failed");
        return out;
    }

private:
    std::vector<std::uint8_t> input_;
};

void add_log(KeyHash& h, const std::shared_ptr<const eventlog::EventLog>& log) {
    h.number(log ? 1 : 0);
    if (log) h.bytes(log->storage->bytes);
}

// evidence::PcrValues or eventlog::PcrValues: bank -> PCR -> value.
template <typename Values> void add_pcr_values(KeyHash& h, const Values& values) {
    h.number(values.size());
    for (const auto& [bank, pcrs] : values) {
        h.number(bank);
        h.number(pcrs.size());
        for (const auto& [pcr, value] : pcrs) {
            h.number(pcr);
            h.bytes(value);
        }
    }
}

// Every member of Policy: one added there must be added here, or two
// policies that differ in it would share a result.
void add_policy(KeyHash& h, const Policy* policy) {
    h.number(policy ? 1 : 0);
    if (!policy) return;
    h.number(policy->required_banks.size());
    for (auto bank : policy->required_banks) h.number(bank);
    h.number(policy->require_drtm ? 1 : 0);
    h.number(policy->required_components ? 1 : 0);
    if (policy->required_components) {
        h.number(policy->required_components->size());
        for (const auto& name : *policy->required_components) h.text(name);
    }
}

// Every member of ReferenceValues and ReferenceComponent, likewise.
void add_reference(KeyHash& h, const eventlog::ReferenceValues* reference) {
    h.number(reference ? 1 : 0);
    if (!reference) return;
    h.number(reference->components.size());
    for (const auto& c : reference->components) {
        h.number(c.index);
        h.text(c.name);
        h.number(c.pcr);
        h.number(c.event_type);
        h.number(c.host_specific ? 1 : 0);
        h.text(c.detail);
        h.number(c.digests.size());
        for (const auto& [bank, digest] : c.digests) {
            h.number(bank);
            h.bytes(digest);
        }
    }
    add_pcr_values(h, reference->pcrs);
}

}  // namespace

AppraisalKey policy_reference_key(const Policy* policy, const eventlog::ReferenceValues* reference) {
    KeyHash h;
    h.text("keel policy and reference 1");
    add_policy(h, policy);
    add_reference(h, reference);
    return h.finish();
}

AppraisalKey log_appraisal_key(const Evidence& e, const Expectations& x) {
    // The policy and reference values by their own key: a host's stay the
    // same across its appraisals, so its caller hashes them once.
    const auto policy_reference =
        x.policy_reference_key ? *x.policy_reference_key : policy_reference_key(x.policy, x.reference);
    KeyHash h;
    h.text("keel log appraisal 2");  // a new layout of the key gets a new name
    add_log(h, e.drtm_log);
    add_log(h, e.boot_log);
    h.number(e.pcr_selection.size());
    for (const auto& s : e.pcr_selection) {
        h.number(s.hash_alg);
        h.number(s.pcrs.size());
        for (auto pcr : s.pcrs) h.number(pcr);
    }
    add_pcr_values(h, e.pcr_values);
    h.bytes(policy_reference);
    return h.finish();
}

}  // namespace keel::verifier
