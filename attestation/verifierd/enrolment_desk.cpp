#include "attestation/verifierd/enrolment_desk.hpp"

#include <set>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/identity_document.hpp"
#include "attestation/verifier/policy.hpp"

namespace keel::verifierd {
namespace {

using nlohmann::json;

constexpr auto challenge_lifetime = std::chrono::minutes(10);
constexpr std::size_t max_pending = 1024;
constexpr std::int64_t max_interval_seconds = 86400;

[[noreturn]] void bad(const std::string& why) { throw EnrolmentRefused(400, "enrolment: " + why); }

const json& member(const json& request, const char* name, json::value_t type, const char* what) {
    if (!request.contains(name)) bad(std::string("\"") + name + "\" is missing");
    const auto& v = request.at(name);
    if (v.type() != type) bad(std::string("\"") + name + "\" must be " + what);
    return v;
}

}  // namespace

bool valid_host_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return id != "." && id != "..";
}

json checks_json(const std::vector<verifier::Check>& checks) {
    json out = json::array();
    for (const auto& c : checks)
        out.push_back({{"id", c.id}, {"status", verifier::status_name(c.status)}, {"message", c.message}});
    return out;
}

json EnrolmentDesk::begin(const json& request) {
    static const std::set<std::string> known = {"host_id",  "mode",   "agent_url", "interval_seconds",
                                                "identity", "policy", "replace",   "reference_values"};
    if (!request.is_object()) bad("the body must be a JSON object");
    for (const auto& [key, value] : request.items())
        if (!known.count(key)) bad("unknown member \"" + key + "\"");

    Pending p;
    auto& host = p.host;
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
    host.interval = config_.default_interval;
    if (request.contains("interval_seconds")) {
        const auto& v = request.at("interval_seconds");
        if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > max_interval_seconds)
            bad("\"interval_seconds\" must be an integer from 1 to 86400");
        host.interval = std::chrono::seconds(v.get<std::int64_t>());
    }
    if (request.contains("replace")) p.replace = member(request, "replace", json::value_t::boolean, "true or false");

    evidence::IdentityDocument identity;
    try {
        identity = evidence::parse_identity(member(request, "identity", json::value_t::object, "an object").dump());
    } catch (const evidence::ParseError& e) { bad(std::string("identity: ") + e.what()); }
    host.record.reference_json = member(request, "reference_values", json::value_t::object, "an object").dump();
    try {
        eventlog::parse_reference_values(host.record.reference_json);
    } catch (const eventlog::Error& e) { bad(std::string("reference_values: ") + e.what()); }
    host.record.policy_json = verifier::write_policy(verifier::Policy{});
    if (request.contains("policy")) {
        host.record.policy_json = member(request, "policy", json::value_t::object, "an object").dump();
        try {
            verifier::parse_policy(host.record.policy_json);
        } catch (const verifier::PolicyError& e) { bad(std::string("policy: ") + e.what()); }
    }
    host.record.ek_public = identity.ek_public;
    host.record.ek_certificate = identity.ek_certificate;
    host.record.ak_public = identity.ak_public;
    host.record.ak_name = identity.ak_name;
    if (!p.replace && store_.host(host.record.host_id))
        throw EnrolmentRefused(409, "host \"" + host.record.host_id +
                                        "\" is already enrolled (\"replace\": true "
                                        "enrols it again)");

    try {
        p.enrollment = verifier::begin_enrollment(identity, {config_.ek_ca, config_.allow_no_ek_certificate});
    } catch (const evidence::ParseError& e) { bad(std::string("identity: ") + e.what()); }
    json response = {{"host_id", host.record.host_id}, {"checks", checks_json(p.enrollment.checks)}};
    // The challenge is made only when every identity check passed.
    if (!p.enrollment.challenge) throw EnrolmentRefused(422, response.dump());
    response["challenge"] = json::parse(evidence::write_challenge(*p.enrollment.challenge));

    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();)
        it = now - it->second.at > challenge_lifetime ? pending_.erase(it) : std::next(it);
    if (pending_.size() >= max_pending && !pending_.count(host.record.host_id))
        throw EnrolmentRefused(503, "enrolment: too many enrolments waiting for an answer; try again later");
    p.at = now;
    const auto id = host.record.host_id;
    pending_[id] = std::move(p);
    return response;
}

json EnrolmentDesk::finish(const std::string& host_id, const json& answer) {
    Pending p;
    {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(host_id);
        if (it == pending_.end() || std::chrono::steady_clock::now() - it->second.at > challenge_lifetime)
            throw EnrolmentRefused(404, "enrolment: no challenge is waiting for host \"" + host_id +
                                            "\" (POST /v1/enrollments first; a challenge lasts 10 minutes)");
        // One answer per challenge: a wrong guess does not get a second try.
        p = std::move(it->second);
        pending_.erase(it);
    }
    Bytes secret;
    try {
        secret = evidence::parse_answer(answer.dump());
    } catch (const evidence::ParseError& e) { bad(std::string("answer: ") + e.what()); }
    verifier::finish_enrollment(p.enrollment, secret);
    json response = {{"host_id", host_id}, {"checks", checks_json(p.enrollment.checks)}};
    if (!p.enrollment.ok()) throw EnrolmentRefused(422, response.dump());
    try {
        store_.enroll(p.host, p.replace);
    } catch (const EnrollmentConflict& e) { throw EnrolmentRefused(409, e.what()); }
    response["verdict"] = "enrolled";
    response["mode"] = mode_name(p.host.mode);
    response["interval_seconds"] = p.host.interval.count();
    return response;
}

}  // namespace keel::verifierd
