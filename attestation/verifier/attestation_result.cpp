#include "attestation/verifier/attestation_result.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/describe.hpp"
#include "attestation/eventlog/hex.hpp"

namespace keel::verifier {
const char* status_name(Status s) {
    switch (s) {
    case Status::pass: return "pass";
    case Status::fail: return "fail";
    case Status::skipped: return "skipped";
    }
    return "?";
}

std::string checks_text(const std::vector<Check>& checks) {
    std::string out;
    for (const auto& c : checks) {
        std::string label = status_name(c.status);
        label.resize(8, ' ');
        std::string id = c.id;
        id.resize(std::max<std::size_t>(id.size() + 1, 22), ' ');
        out += "  " + label + id + c.message + "\n";
    }
    return out;
}

bool AttestationResult::trusted() const {
    return !checks.empty() &&
           std::none_of(checks.begin(), checks.end(), [](auto& c) { return c.status == Status::fail; });
}

namespace {

// What a passing check establishes, in a few words, for the summary of a
// tpm2_checkquote-mode result.
const char* established_by(const std::string& id) {
    static constexpr std::pair<const char*, const char*> names[] = {
        {check::ak_enrolled, "enrolled AK"},
        {check::quote_format, "TPM-generated quote"},
        {check::quote_signature, "signature"},
        {check::quote_nonce, "nonce"},
        {check::quote_pcr_digest, "PCR digest"},
        {check::quote_clock, "clock"},
        {check::policy_banks, "banks"},
        {check::drtm_launched, "dynamic launch"},
        {check::eventlog_drtm, "DRTM event log"},
        {check::eventlog_boot, "boot event log"},
        {check::reference_components, "components in the reference values"},
        {check::reference_required, "required components"},
    };
    for (const auto& [check_id, words] : names)
        if (id == check_id) return words;
    return "?";
}

std::vector<std::string> ids_with(const AttestationResult& r, Status status) {
    std::vector<std::string> ids;
    for (const auto& c : r.checks)
        if (c.status == status) ids.push_back(c.id);
    return ids;
}

const char* verdict_name(const AttestationResult& r) {
    if (!r.trusted()) return "not-trusted";
    return r.appraisal ? "trusted" : "quote-verified";
}

// tpm2_checkquote mode: what the checks established and what they did not
// look at, so that nobody reads a verified quote as a trusted host.
std::string quote_only_summary(const AttestationResult& r) {
    std::string established, not_checked;
    for (const auto& id : ids_with(r, Status::pass))
        established += (established.empty() ? "" : ", ") + std::string(established_by(id)) + " (" + id + ")";
    for (const auto& id : ids_with(r, Status::skipped)) not_checked += (not_checked.empty() ? "" : ", ") + id;
    std::string out = "Established: " + (established.empty() ? std::string("nothing") : established) + "\n";
    if (!not_checked.empty()) out += "Not checked: " + not_checked + "\n";
    if (r.no_dynamic_launch) out += "No dynamic launch took place: " + *r.no_dynamic_launch + "\n";
    return out;
}

}  // namespace

const Check* AttestationResult::find(const std::string& id) const {
    auto it = std::find_if(checks.begin(), checks.end(), [&](auto& c) { return c.id == id; });
    return it == checks.end() ? nullptr : &*it;
}

std::string result_text(const AttestationResult& r) {
    std::string out;
    if (!r.host_id.empty()) out += "Host: " + r.host_id + "\n";
    out += checks_text(r.checks);
    if (!r.components.empty()) {
        out += "Measured components (DRTM event log):\n";
        for (const auto& m : r.components) {
            out += "  PCR " + std::to_string(m.pcr) + "  " + eventlog::escaped(m.name);
            // The log's text, escaped: evidence must not drive the reader's terminal.
            if (!m.detail.empty()) out += " " + eventlog::quoted(m.detail);
            out += !m.in_reference   ? "  (NOT in the reference values)\n"
                   : m.host_specific ? "  (host-specific in the reference values: this host's own, as measured)\n"
                                     : "  (in the reference values)\n";
        }
    }
    if (!r.appraisal) {
        out += quote_only_summary(r);
        out += r.trusted() ? "Verdict: quote verified; the host was NOT appraised (tpm2_checkquote mode: --policy "
                             "appraises it)\n"
                           : "Verdict: NOT trusted\n";
        return out;
    }
    out += r.trusted() ? "Verdict: trusted\n" : "Verdict: NOT trusted\n";
    return out;
}

std::string result_json(const AttestationResult& r) {
    using nlohmann::json;
    json checks = json::array();
    for (const auto& c : r.checks)
        checks.push_back({{"id", c.id}, {"status", status_name(c.status)}, {"message", c.message}});
    json components = json::array();
    for (const auto& m : r.components) {
        json digests = json::object();
        for (const auto& d : m.digests) digests[eventlog::algorithm_name(d.algorithm)] = eventlog::to_hex(d.value);
        components.push_back({{"event", m.event},
                              {"name", m.name},
                              {"pcr", m.pcr},
                              {"detail", m.detail},
                              {"digests", digests},
                              {"in_reference", m.in_reference}});
        if (m.host_specific) components.back()["host_specific"] = true;
    }
    json failed = json::array();
    for (const auto& c : r.checks)
        if (c.status == Status::fail) failed.push_back(c.id);
    json doc = {{"format", "keel-attestation-result"},
                {"version", 1},
                {"verdict", verdict_name(r)},
                {"failed_checks", failed},
                {"checks", checks},
                {"measured_components", components}};
    if (!r.host_id.empty()) doc["host_id"] = r.host_id;
    if (!r.appraisal) {
        doc["appraised"] = false;
        doc["established"] = ids_with(r, Status::pass);
        doc["not_checked"] = ids_with(r, Status::skipped);
    }
    if (r.no_dynamic_launch) doc["no_dynamic_launch"] = *r.no_dynamic_launch;
    if (r.clock)
        doc["clock"] = {{"clock", r.clock->clock},
                        {"reset_count", r.clock->reset_count},
                        {"restart_count", r.clock->restart_count},
                        {"safe", r.clock->safe}};
    return doc.dump(2) + "\n";
}

}  // namespace keel::verifier
