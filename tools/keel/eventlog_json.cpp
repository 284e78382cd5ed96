// The JSON form of `keel eventlog`: digests and data in lowercase hex, banks
// by name ("sha1", "sha256", ...), PCR indices as decimal strings.
#include <nlohmann/json.hpp>

#include "attestation/eventlog/describe.hpp"
#include "attestation/eventlog/hex.hpp"
#include "tools/keel/eventlog_output.hpp"

namespace keel::cli {
namespace {

using namespace keel::eventlog;
using nlohmann::json;

json spec_id_json(const SpecId& spec) {
    return {{"signature", spec.signature},
            {"platform_class", spec.platform_class},
            {"spec_version", std::to_string(spec.version_major) + "." + std::to_string(spec.version_minor)},
            {"errata", spec.errata},
            {"uintn_size", spec.uintn_size},
            {"vendor_info", to_hex(spec.vendor_info)}};
}

json event_json(const EventLog& log, const Event& e) {
    json digests = json::object();
    for (const auto& d : e.digests) digests[algorithm_name(d.algorithm)] = to_hex(d.value);
    json j = {{"index", e.index},
              {"offset", e.offset},
              {"pcr", e.pcr},
              {"type", e.type},
              {"type_name", event_type_name(e.type)},
              {"digests", digests},
              {"data", to_hex(e.data)},
              {"description", describe(log, e)}};
    if (e.keel) j["keel"] = {{"name", e.keel->name}, {"detail", e.keel->detail}};
    if (e.startup_locality) j["startup_locality"] = *e.startup_locality;
    if (!e.problem.empty()) j["problem"] = e.problem;
    return j;
}

json pcrs_json(const PcrValues& values) {
    json j = json::object();
    for (const auto& [bank, pcrs] : values) {
        auto& b = j[algorithm_name(bank)] = json::object();
        for (const auto& [pcr, value] : pcrs) b[std::to_string(pcr)] = to_hex(value);
    }
    return j;
}

json replay_notes_json(const Replay& replay) {
    json incomplete = json::object();
    for (const auto& [bank, pcr] : replay.incomplete) incomplete[algorithm_name(bank)].push_back(pcr);
    json unsupported = json::array();
    for (auto bank : replay.unsupported) unsupported.push_back(algorithm_name(bank));
    return {{"incomplete_pcrs", incomplete}, {"unsupported_banks", unsupported}};
}

json components_json(const ComponentReport& report) {
    json components = json::array();
    for (const auto& c : report.components) {
        json digests = json::object();
        for (const auto& b : c.banks)
            digests[algorithm_name(b.bank)] = {{"reference", to_hex(b.reference)},
                                               {"event_log", b.event_log ? json(to_hex(*b.event_log)) : json()},
                                               {"match", b.matches()}};
        components.push_back({{"index", c.index},
                              {"name", c.name},
                              {"pcr", c.pcr},
                              {"event", c.event ? json(*c.event) : json()},
                              {"ok", c.ok()},
                              {"digests", digests},
                              {"problems", c.problems}});
    }
    return {{"ok", report.ok()}, {"components", components}, {"unexpected", report.unexpected}};
}

json pcr_report_json(const PcrReport& report) {
    json pcrs = json::array();
    for (const auto& p : report.pcrs) {
        json j = {{"bank", algorithm_name(p.bank)}, {"pcr", p.pcr},           {"expected", to_hex(p.expected)},
                  {"replayed", to_hex(p.replayed)}, {"extended", p.extended}, {"ok", p.ok()}};
        if (!p.ok()) j["problem"] = p.problem;
        pcrs.push_back(j);
    }
    return {{"ok", report.ok()}, {"pcrs", pcrs}};
}

}  // namespace

void print_json(std::ostream& out, const EventlogReport& r) {
    const auto& log = r.log;
    json algorithms = json::array();
    for (const auto& a : log.algorithms)
        algorithms.push_back({{"name", algorithm_name(a.id)}, {"id", a.id}, {"digest_size", a.digest_size}});
    json events = json::array();
    for (const auto& e : log.events) events.push_back(event_json(log, e));

    json doc = {{"format", log.format == Format::crypto_agile ? "crypto-agile" : "sha1-legacy"},
                {"spec_id", log.spec_id ? spec_id_json(*log.spec_id) : json()},
                {"algorithms", algorithms},
                {"events", events},
                {"padding",
                 log.padding_bytes
                     ? json{{"offset", log.padding_offset}, {"bytes", log.padding_bytes}, {"value", log.padding_value}}
                     : json()},
                {"pcrs", pcrs_json(r.replay.pcrs)},
                {"replay_notes", replay_notes_json(r.replay)}};
    if (r.components) {
        doc["reference"] = components_json(*r.components);
        if (r.reference_pcrs) doc["reference"]["pcrs"] = pcr_report_json(*r.reference_pcrs);
    }
    if (r.pcrs) doc["pcr_check"] = pcr_report_json(*r.pcrs);
    if (r.components || r.pcrs) doc["ok"] = r.ok();
    // Event data can hold any bytes; strings the log supplies are escaped, but
    // never let one stray byte abort the output.
    out << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace keel::cli
