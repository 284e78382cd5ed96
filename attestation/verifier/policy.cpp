#include "attestation/verifier/policy.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/json/exact_json.hpp"

namespace keel::verifier {
namespace {

using nlohmann::json;

constexpr const char* policy_format = "keel-attestation-policy";
constexpr int policy_version = 1;
constexpr std::size_t max_name_length = 255;

[[noreturn]] void fail(const std::string& problem) { throw PolicyError("policy: " + problem); }

std::vector<std::uint16_t> parse_banks(const json& value) {
    if (!value.is_array() || value.empty()) fail("\"required_banks\" is not a non-empty array of bank names");
    std::vector<std::uint16_t> banks;
    for (const auto& item : value) {
        if (!item.is_string()) fail("\"required_banks\" holds a non-string");
        auto id = eventlog::algorithm_from_name(item.get<std::string>());
        if (!id || eventlog::known_digest_size(*id) == 0)
            fail("\"required_banks\" names an unknown bank \"" + item.get<std::string>() +
                 "\" (known: sha1, sha256, sha384, sha512)");
        if (std::find(banks.begin(), banks.end(), *id) != banks.end())
            fail("\"required_banks\" names \"" + item.get<std::string>() + "\" twice");
        banks.push_back(*id);
    }
    return banks;
}

std::vector<std::string> parse_components(const json& value) {
    if (!value.is_array()) fail("\"required_components\" is not an array of component names");
    if (value.size() > max_required_components)
        fail("\"required_components\" has more than " + std::to_string(max_required_components) + " names");
    std::vector<std::string> names;
    for (const auto& item : value) {
        if (!item.is_string()) fail("\"required_components\" holds a non-string");
        const auto& name = item.get_ref<const std::string&>();
        if (name.empty() || name.size() > max_name_length)
            fail("\"required_components\" holds a name that is empty or longer than " +
                 std::to_string(max_name_length) + " bytes");
        names.push_back(name);
    }
    return names;
}

}  // namespace

Policy parse_policy(std::string_view text) {
    if (text.size() > max_policy_bytes) fail("larger than " + std::to_string(max_policy_bytes) + " bytes");
    json doc;
    try {
        doc = keel::json::parse_exact(text);
    } catch (const keel::json::RepeatedMember& e) { fail(e.what()); }
    if (doc.is_discarded()) fail("not JSON");
    if (!doc.is_object()) fail("not a JSON object");
    auto format = doc.find("format");
    if (format == doc.end() || !format->is_string() || format->get<std::string>() != policy_format)
        fail("\"format\" is not \"" + std::string(policy_format) + "\"");
    auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer() || version->get<long long>() != policy_version)
        fail("\"version\" is missing or not " + std::to_string(policy_version));

    Policy policy;
    for (const auto& [key, value] : doc.items()) {
        if (key == "format" || key == "version") continue;
        if (key == "required_banks") {
            policy.required_banks = parse_banks(value);
        } else if (key == "require_drtm") {
            if (!value.is_boolean()) fail("\"require_drtm\" is not true or false");
            policy.require_drtm = value.get<bool>();
        } else if (key == "required_components") {
            policy.required_components = parse_components(value);
        } else {
            fail("unknown member \"" + key + "\"");
        }
    }
    return policy;
}

std::string write_policy(const Policy& policy) {
    json banks = json::array();
    for (auto b : policy.required_banks) banks.push_back(eventlog::algorithm_name(b));
    json doc = {{"format", policy_format},
                {"version", policy_version},
                {"required_banks", banks},
                {"require_drtm", policy.require_drtm}};
    if (policy.required_components) doc["required_components"] = *policy.required_components;
    return doc.dump(2) + "\n";
}

}  // namespace keel::verifier
