#include "attestation/verifier/verifier.hpp"

#include <iterator>
#include <stdexcept>
#include <utility>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/verifier/appraisal_cache.hpp"
#include "attestation/verifier/checks.hpp"
#include "attestation/verifier/log_appraisal.hpp"

namespace keel::verifier {

namespace checks {

std::string bank_name(std::uint16_t bank) { return eventlog::algorithm_name(bank); }
std::string short_hex(std::span<const std::uint8_t> value) { return eventlog::to_hex(value); }
Check pass(const char* id, std::string message) { return {id, Status::pass, std::move(message)}; }
Check fail(const char* id, std::string message) { return {id, Status::fail, std::move(message)}; }
Check skipped(const char* id, std::string message) { return {id, Status::skipped, std::move(message)}; }

}  // namespace checks

evidence::Attest parse_attest_evidence(std::span<const std::uint8_t> bytes) {
    auto attest = evidence::parse_attest(bytes);
    if (attest.magic != evidence::tpm_generated_value)
        throw evidence::ParseError(
            "TPMS_ATTEST: magic 0x" +
            checks::short_hex(Bytes{std::uint8_t(attest.magic >> 24), std::uint8_t(attest.magic >> 16),
                                    std::uint8_t(attest.magic >> 8), std::uint8_t(attest.magic)}) +
            " is not TPM_GENERATED_VALUE (0xff544347): not a structure a TPM made");
    return attest;
}

eventlog::EventLog parse_log_evidence(std::span<const std::uint8_t> bytes, std::size_t max_events, const char* what) {
    auto log = eventlog::parse(bytes);
    if (log.events.size() > max_events)
        throw evidence::ParseError(std::string(what) + ": " + std::to_string(log.events.size()) +
                                   " events, more than the " + std::to_string(max_events) + " accepted");
    return log;
}

namespace {

AppraisalKey bytes_digest(std::span<const std::uint8_t> bytes) {
    AppraisalKey out{};
    unsigned int n = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 || n != out.size())
        throw std::runtime_error("OpenSSL: SHA-256 failed");
    return out;
}

std::shared_ptr<const eventlog::EventLog> parse_shared_log(std::span<const std::uint8_t> bytes, std::size_t max_events,
                                                           const char* what, AppraisalCache* cache) {
    if (!cache || cache->max_entries() == 0)
        return std::make_shared<const eventlog::EventLog>(parse_log_evidence(bytes, max_events, what));
    const auto digest = bytes_digest(bytes);
    // Over the limit for this kind of log: parsed again below, which refuses it.
    if (auto kept = cache->find_log(digest); kept && kept->events.size() <= max_events) return kept;
    auto log = std::make_shared<const eventlog::EventLog>(parse_log_evidence(bytes, max_events, what));
    cache->insert_log(digest, log);
    return log;
}

}  // namespace

Evidence parse_evidence(const evidence::EvidenceDocument& d, AppraisalCache* parsed_logs) {
    Evidence e;
    e.attest_bytes = d.attest;
    e.attest = parse_attest_evidence(d.attest);
    e.signature = evidence::parse_signature(d.signature);
    e.pcr_selection = evidence::parse_pcr_selection(d.pcr_selection);
    std::vector<Bytes> lists;
    for (const auto& v : d.pcr_values) {
        for (auto& digest : evidence::parse_digest_list(v)) lists.push_back(std::move(digest));
    }
    e.pcr_values = evidence::pcr_values_from_lists(e.pcr_selection, std::move(lists));
    e.ak_name = d.ak_name;
    if (d.drtm_log) e.drtm_log = parse_shared_log(*d.drtm_log, max_drtm_log_events, "DRTM event log", parsed_logs);
    if (d.boot_log) e.boot_log = parse_shared_log(*d.boot_log, max_boot_log_events, "boot event log", parsed_logs);
    return e;
}

namespace {

std::shared_ptr<const LogAppraisal> cached_log_appraisal(const Evidence& e, const Expectations& x,
                                                         AppraisalCache& cache) {
    const auto key = log_appraisal_key(e, x);
    if (auto kept = cache.find(key)) return kept;
    auto fresh = std::make_shared<const LogAppraisal>(appraise_logs(e, x));
    cache.insert(key, fresh);
    return fresh;
}

}  // namespace

AttestationResult verify(const Evidence& e, const Expectations& x, AppraisalCache* cache) {
    AttestationResult r;
    r.host_id = x.host_id;
    auto& c = r.checks;
    c.reserve(12);  // one per check id
    // Never cached: who signed, for which nonce, over which PCR values.
    c.push_back(checks::ak_enrolled(e, x));
    c.push_back(checks::quote_format(e));
    c.push_back(checks::quote_signature(e, x));
    c.push_back(checks::quote_nonce(e, x));
    c.push_back(checks::quote_pcr_digest(e, x));
    c.push_back(checks::quote_clock(e, x));
    if (x.policy)
        c.push_back(checks::policy_banks(e, *x.policy));
    else
        c.push_back(checks::skipped(check::policy_banks, "no policy: tpm2_checkquote mode"));
    if (cache && cache->max_entries() > 0) {
        const auto logs = cached_log_appraisal(e, x, *cache);
        c.insert(c.end(), logs->checks.begin(), logs->checks.end());
        r.components = logs->components;
        r.drtm_log = logs->drtm_log;
    } else {
        auto logs = appraise_logs(e, x);
        c.insert(c.end(), std::make_move_iterator(logs.checks.begin()), std::make_move_iterator(logs.checks.end()));
        r.components = std::move(logs.components);
        r.drtm_log = std::move(logs.drtm_log);
    }
    // Report the clock only from a quote whose signature holds: it feeds the
    // store's monotonic counters.
    if (r.find(check::quote_signature)->status == Status::pass) r.clock = e.attest.clock_info;
    r.appraisal = x.policy != nullptr;
    // Said only of values the quote's signature and PCR digest vouch for.
    if (r.find(check::quote_signature)->status == Status::pass &&
        r.find(check::quote_pcr_digest)->status == Status::pass)
        r.no_dynamic_launch = checks::pcr17_all_ones(e);
    return r;
}

}  // namespace keel::verifier
