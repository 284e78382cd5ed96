#include "attestation/evidence/evidence_document.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "attestation/evidence/base64.hpp"
#include "attestation/json/exact_json.hpp"

namespace keel::evidence {
namespace {

using nlohmann::json;

constexpr std::size_t max_pcr_value_lists = 64;  // 24 PCRs x 16 banks, 8 per TPML_DIGEST, rounded up

[[noreturn]] void fail(const std::string& problem) { throw ParseError("evidence: " + problem); }

void only_members(const json& object, const std::string& where, const std::set<std::string>& allowed) {
    for (const auto& [key, value] : object.items())
        if (!allowed.count(key))
            fail((where.empty() ? "" : "\"" + where + "\" has ") + "unknown member \"" + key + "\"");
}

const json& member(const json& object, const std::string& where, const std::string& key) {
    auto it = object.find(key);
    if (it == object.end()) fail("\"" + where + key + "\" is missing");
    return *it;
}

const json& object_member(const json& object, const std::string& where, const std::string& key) {
    const auto& value = member(object, where, key);
    if (!value.is_object()) fail("\"" + where + key + "\" is not an object");
    return value;
}

Bytes decode(const json& value, const std::string& name) {
    if (!value.is_string()) fail("\"" + name + "\" is not a string");
    auto bytes = from_base64(value.get_ref<const std::string&>());
    if (!bytes) fail("\"" + name + "\" is not base64");
    return *bytes;
}

Bytes bytes_member(const json& object, const std::string& where, const std::string& key) {
    return decode(member(object, where, key), where + key);
}

}  // namespace

std::string write_evidence(const EvidenceDocument& e) {
    json values = json::array();
    for (const auto& v : e.pcr_values) values.push_back(to_base64(v));
    json logs = json::object();
    if (e.drtm_log) logs["drtm"] = to_base64(*e.drtm_log);
    if (e.boot_log) logs["boot"] = to_base64(*e.boot_log);
    json doc = {
        {"format", evidence_format},
        {"version", evidence_version},
        {"nonce", to_base64(e.nonce)},
        {"ak_name", to_base64(e.ak_name)},
        {"quote", {{"attest", to_base64(e.attest)}, {"signature", to_base64(e.signature)}}},
        {"pcrs", {{"selection", to_base64(e.pcr_selection)}, {"values", values}}},
        {"event_logs", logs},
    };
    return doc.dump(2) + "\n";
}

EvidenceDocument parse_evidence(std::string_view text) {
    if (text.size() > max_evidence_bytes)
        fail("the document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
             std::to_string(max_evidence_bytes));
    json doc;
    try {
        doc = keel::json::parse_exact(text);
    } catch (const keel::json::RepeatedMember& e) { fail(e.what()); }
    if (doc.is_discarded()) fail("not JSON");
    if (!doc.is_object()) fail("not a JSON object");
    const auto& format = member(doc, "", "format");
    if (!format.is_string() || format.get<std::string>() != evidence_format)
        fail("\"format\" is not \"" + std::string(evidence_format) + "\"");
    const auto& version = member(doc, "", "version");
    if (!version.is_number_integer() || version.get<long long>() != evidence_version)
        fail("\"version\" " + version.dump() + " is not supported (this verifier reads version " +
             std::to_string(evidence_version) + ")");
    only_members(doc, "", {"format", "version", "nonce", "ak_name", "quote", "pcrs", "event_logs"});

    EvidenceDocument e;
    e.nonce = bytes_member(doc, "", "nonce");
    e.ak_name = bytes_member(doc, "", "ak_name");
    const auto& quote = object_member(doc, "", "quote");
    only_members(quote, "quote", {"attest", "signature"});
    e.attest = bytes_member(quote, "quote.", "attest");
    e.signature = bytes_member(quote, "quote.", "signature");
    const auto& pcrs = object_member(doc, "", "pcrs");
    only_members(pcrs, "pcrs", {"selection", "values"});
    e.pcr_selection = bytes_member(pcrs, "pcrs.", "selection");
    const auto& values = member(pcrs, "pcrs.", "values");
    if (!values.is_array()) fail("\"pcrs.values\" is not an array");
    if (values.size() > max_pcr_value_lists)
        fail("\"pcrs.values\" has " + std::to_string(values.size()) + " lists, more than " +
             std::to_string(max_pcr_value_lists));
    for (std::size_t i = 0; i < values.size(); ++i)
        e.pcr_values.push_back(decode(values[i], "pcrs.values[" + std::to_string(i) + "]"));
    if (doc.contains("event_logs")) {
        const auto& logs = object_member(doc, "", "event_logs");
        only_members(logs, "event_logs", {"drtm", "boot"});
        if (logs.contains("drtm")) e.drtm_log = decode(logs["drtm"], "event_logs.drtm");
        if (logs.contains("boot")) e.boot_log = decode(logs["boot"], "event_logs.boot");
    }
    return e;
}

}  // namespace keel::evidence
