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
                {"verdict", r.trusted() ? "trusted" : "not-trusted"},
                {"failed_checks", failed},
                {"checks", checks},
                {"measured_components", components}};
    if (!r.host_id.empty()) doc["host_id"] = r.host_id;
    if (r.clock)
        doc["clock"] = {{"clock", r.clock->clock},
                        {"reset_count", r.clock->reset_count},
                        {"restart_count", r.clock->restart_count},
                        {"safe", r.clock->safe}};
    return doc.dump(2) + "\n";
}

}  // namespace keel::verifier
