#include "attestation/eventlog/reference.hpp"

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/json/exact_json.hpp"

namespace keel::eventlog {
namespace {

using nlohmann::json;

constexpr std::string_view reference_format = "keel-reference-values";
constexpr int reference_version = 1;

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
    throw ReferenceError(where + ": " + problem);
}

// A member the reader does not know is an error: a misspelt "host_specfic"
// or "digest" would otherwise drop the rule its writer meant.
void only_members(const json& object, std::initializer_list<std::string_view> known, const std::string& where) {
    for (const auto& [key, value] : object.items())
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            std::string list;
            for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
            fail(where, "unknown member \"" + key + "\" (known: " + list + ")");
        }
}

const json& member(const json& object, const std::string& key, const std::string& where) {
    auto it = object.find(key);
    if (it == object.end()) fail(where, "member \"" + key + "\" is missing");
    return *it;
}

std::string string_member(const json& object, const std::string& key, const std::string& where) {
    const auto& v = member(object, key, where);
    if (!v.is_string()) fail(where + "." + key, "must be a string");
    return v.get<std::string>();
}

std::uint64_t number_member(const json& object, const std::string& key, const std::string& where) {
    const auto& v = member(object, key, where);
    if (!v.is_number_unsigned()) fail(where + "." + key, "must be a non-negative integer");
    return v.get<std::uint64_t>();
}

AlgorithmId bank_id(const std::string& name, const std::string& where) {
    auto id = algorithm_from_name(name);
    if (!id) fail(where, "unknown bank \"" + name + "\" (expected sha1, sha256, sha384 or sha512)");
    return *id;
}

Bytes digest_value(const json& v, AlgorithmId bank, const std::string& where) {
    if (!v.is_string()) fail(where, "must be a hex string");
    std::string_view text = v.get_ref<const std::string&>();
    if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
    auto bytes = from_hex(text);
    const auto size = known_digest_size(bank);
    if (!bytes || bytes->size() != size)
        fail(where, "must be " + std::to_string(2 * size) + " hex digits (a " + algorithm_name(bank) + " digest)");
    return *bytes;
}

std::uint32_t pcr_index(const std::string& key, const std::string& where) {
    if (key.empty() || key.size() > 2 || key.find_first_not_of("0123456789") != std::string::npos ||
        (key.size() == 2 && key[0] == '0') || std::stoul(key) > max_pcr_index)
        fail(where, "\"" + key + "\" is not a PCR index (0-" + std::to_string(max_pcr_index) + ")");
    return static_cast<std::uint32_t>(std::stoul(key));
}

PcrValues pcr_values(const json& object, const std::string& where) {
    if (!object.is_object()) fail(where, "must be an object of banks");
    PcrValues values;
    for (const auto& [bank_name, pcrs] : object.items()) {
        const auto bank_where = where + "." + bank_name;
        const auto bank = bank_id(bank_name, bank_where);
        if (!pcrs.is_object()) fail(bank_where, "must be an object of PCR index to hex value");
        auto& out = values[bank];
        for (const auto& [key, value] : pcrs.items())
            out[pcr_index(key, bank_where)] = digest_value(value, bank, bank_where + "." + key);
    }
    return values;
}

ReferenceComponent component(const json& c, std::size_t position, const std::string& where) {
    if (!c.is_object()) fail(where, "must be an object");
    only_members(c, {"index", "name", "pcr", "event_type", "detail", "digests", "host_specific"}, where);
    ReferenceComponent out;
    out.index = number_member(c, "index", where);
    if (out.index != position)
        fail(where + ".index", "is " + std::to_string(out.index) + ", expected " + std::to_string(position) +
                                   " (components are listed in order)");
    out.name = string_member(c, "name", where);
    if (out.name.empty() ||
        std::any_of(out.name.begin(), out.name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; }))
        fail(where + ".name", "must be a non-empty string without control characters");
    const auto pcr = number_member(c, "pcr", where);
    if (pcr > max_pcr_index) fail(where + ".pcr", std::to_string(pcr) + " is not a PCR index");
    out.pcr = static_cast<std::uint32_t>(pcr);
    const auto type = number_member(c, "event_type", where);
    if (type > UINT32_MAX || !is_keel_event(static_cast<EventType>(type)))
        fail(where + ".event_type", std::to_string(type) + " is not a Keel event type (" +
                                        std::to_string(keel_ev_skinit) + "-" + std::to_string(keel_ev_memory_map) +
                                        ")");
    out.event_type = static_cast<EventType>(type);
    if (auto it = c.find("host_specific"); it != c.end()) {
        if (!it->is_boolean()) fail(where + ".host_specific", "must be true or false");
        out.host_specific = it->get<bool>();
    }
    if (out.host_specific) {
        if (out.event_type != keel_ev_memory_map)
            fail(where + ".host_specific",
                 "only the memory map (event type " + std::to_string(keel_ev_memory_map) + ") can be host-specific");
        if (c.contains("detail") || c.contains("digests"))
            fail(where, "a host-specific component pins no detail and no digests");
        return out;
    }
    out.detail = string_member(c, "detail", where);
    const auto& digests = member(c, "digests", where);
    if (!digests.is_object() || digests.empty()) fail(where + ".digests", "must be an object with at least one bank");
    for (const auto& [bank_name, value] : digests.items()) {
        const auto bank = bank_id(bank_name, where + ".digests." + bank_name);
        out.digests[bank] = digest_value(value, bank, where + ".digests." + bank_name);
    }
    return out;
}

json parse_json(std::string_view text, const std::string& what) {
    try {
        return keel::json::parse_exact(text, true);
    } catch (const json::parse_error& e) {
        throw ReferenceError(std::string("not valid JSON: ") + e.what());
    } catch (const keel::json::RepeatedMember& e) { fail(what, e.what()); }
}

}  // namespace

ReferenceValues parse_reference_values(std::string_view json_text) {
    const auto doc = parse_json(json_text, "reference values");
    if (!doc.is_object()) fail("reference values", "must be a JSON object");
    only_members(doc, {"format", "version", "components", "pcrs"}, "reference values");
    if (string_member(doc, "format", "reference values") != reference_format)
        fail("reference values.format", "must be \"" + std::string(reference_format) + "\"");
    if (number_member(doc, "version", "reference values") != reference_version)
        fail("reference values.version", "unsupported version (this keel reads version 1)");
    const auto& components = member(doc, "components", "reference values");
    if (!components.is_array()) fail("components", "must be an array");
    ReferenceValues out;
    for (std::size_t i = 0; i < components.size(); ++i)
        out.components.push_back(component(components[i], i, "components[" + std::to_string(i) + "]"));
    if (auto it = doc.find("pcrs"); it != doc.end()) out.pcrs = pcr_values(*it, "pcrs");
    return out;
}

PcrValues parse_pcr_values(std::string_view json_text) {
    return pcr_values(parse_json(json_text, "PCR values"), "PCR values");
}

}  // namespace keel::eventlog
