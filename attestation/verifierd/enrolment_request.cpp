#include "attestation/verifierd/enrolment_request.hpp"

#include <set>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/refdoc/document_shape.hpp"
#include "attestation/verifier/policy.hpp"

namespace keel::verifierd {
namespace {

using nlohmann::json;

constexpr std::int64_t max_interval_seconds = 86400;

[[noreturn]] void bad(const std::string& why) { throw EnrolmentRefused(400, "enrolment: " + why); }

const json& member(const json& request, const char* name, json::value_t type, const char* what) {
    if (!request.contains(name)) bad(std::string("\"") + name + "\" is missing");
    const auto& v = request.at(name);
    if (v.type() != type) bad(std::string("\"") + name + "\" must be " + what);
    return v;
}

}  // namespace

ReferenceName parse_reference_name(const json& value, const std::string& where) {
    if (!value.is_object()) bad("\"" + where + "\" must be an object {\"name\", \"version\"}");
    for (const auto& [key, v] : value.items())
        if (key != "name" && key != "version") bad("\"" + where + "\" has an unknown member \"" + key + "\"");
    ReferenceName out;
    for (auto [member_name, field] : {std::pair{"name", &out.name}, std::pair{"version", &out.version}}) {
        if (!value.contains(member_name) || !value[member_name].is_string() ||
            !refdoc::valid_label(value[member_name].get<std::string>()))
            bad("\"" + where + "." + member_name + "\" must be 1 to " + std::to_string(refdoc::max_label_length) +
                " letters, digits, '.', '_', '-' or '+'");
        *field = value[member_name].get<std::string>();
    }
    return out;
}

bool valid_host_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return id != "." && id != "..";
}

EnrolmentRequest parse_enrolment_request(const json& request, std::chrono::seconds default_interval) {
    static const std::set<std::string> known = {"host_id",  "mode",   "agent_url", "interval_seconds",
                                                "identity", "policy", "replace",   "reference_values",
                                                "reference"};
    if (!request.is_object()) bad("the body must be a JSON object");
    for (const auto& [key, value] : request.items())
        if (!known.count(key)) bad("unknown member \"" + key + "\"");

    EnrolmentRequest r;
    auto& host = r.host;
    host.record.host_id = member(request, "host_id", json::value_t::string, "a string").get<std::string>();
    if (!valid_host_id(host.record.host_id)) bad("\"host_id\" must be 1 to 64 letters, digits, '-', '_' or '.'");
    auto mode = parse_mode(member(request, "mode", json::value_t::string, "a string").get<std::string>());
    if (!mode || *mode == AttestMode::manual) bad("\"mode\" must be \"pull\" or \"push\"");
    host.mode = *mode;
    if (host.mode == AttestMode::pull) {
        host.agent_url = member(request, "agent_url", json::value_t::string, "a string").get<std::string>();
        if (host.agent_url.rfind("http://", 0) != 0) bad("\"agent_url\" must be http://HOST:PORT");
    } else if (request.contains("agent_url")) {
        bad("\"agent_url\" is for pull mode: a push host's agent connects to the verifier");
    }
    host.interval = default_interval;
    if (request.contains("interval_seconds")) {
        const auto& v = request.at("interval_seconds");
        if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > max_interval_seconds)
            bad("\"interval_seconds\" must be an integer from 1 to 86400");
        host.interval = std::chrono::seconds(v.get<std::int64_t>());
    }
    if (request.contains("replace")) r.replace = member(request, "replace", json::value_t::boolean, "true or false");

    try {
        r.identity = evidence::parse_identity(member(request, "identity", json::value_t::object, "an object").dump());
    } catch (const evidence::ParseError& e) { bad(std::string("identity: ") + e.what()); }
    // One source of reference values: two would leave a reader guessing
    // which one the host is appraised against.
    if (request.contains("reference") == request.contains("reference_values"))
        bad("give either \"reference_values\" (keel measure's output) or \"reference\" ({\"name\", \"version\"} "
            "of a published signed reference document), not both or neither");
    if (request.contains("reference")) {
        host.record.reference_document = parse_reference_name(request.at("reference"), "reference");
    } else {
        host.record.reference_json = member(request, "reference_values", json::value_t::object, "an object").dump();
        try {
            eventlog::parse_reference_values(host.record.reference_json);
        } catch (const eventlog::Error& e) { bad(std::string("reference_values: ") + e.what()); }
    }
    host.record.policy_json = verifier::write_policy(verifier::Policy{});
    if (request.contains("policy")) {
        host.record.policy_json = member(request, "policy", json::value_t::object, "an object").dump();
        try {
            verifier::parse_policy(host.record.policy_json);
        } catch (const verifier::PolicyError& e) { bad(std::string("policy: ") + e.what()); }
    }
    host.record.ek_public = r.identity.ek_public;
    host.record.ek_certificate = r.identity.ek_certificate;
    host.record.ak_public = r.identity.ak_public;
    host.record.ak_name = r.identity.ak_name;
    return r;
}

}  // namespace keel::verifierd
