#include "attestation/verifierd/enrolment_desk.hpp"

#include "attestation/evidence/identity_document.hpp"

namespace keel::verifierd {
namespace {

using nlohmann::json;

constexpr auto challenge_lifetime = std::chrono::minutes(10);
constexpr std::size_t max_pending = 1024;

}  // namespace

json checks_json(const std::vector<verifier::Check>& checks) {
    json out = json::array();
    for (const auto& c : checks)
        out.push_back({{"id", c.id}, {"status", verifier::status_name(c.status)}, {"message", c.message}});
    return out;
}

json EnrolmentDesk::begin(const json& request) {
    auto parsed = parse_enrolment_request(request, config_.default_interval);
    Pending p;
    p.host = std::move(parsed.host);
    p.replace = parsed.replace;
    const auto& identity = parsed.identity;
    auto& host = p.host;
    if (!p.replace && store_.host(host.record.host_id))
        throw EnrolmentRefused(409, "host \"" + host.record.host_id +
                                        "\" is already enrolled (\"replace\": true "
                                        "enrols it again)");

    // Before any challenge: an enrolment that cannot be stored is refused
    // now, not after the agent has answered.
    if (const auto& doc = host.record.reference_document; doc && !store_.reference(*doc))
        throw EnrolmentRefused(404, std::string("enrolment: ") + UnknownReference(*doc).what());
    try {
        p.enrollment = verifier::begin_enrollment(identity, {config_.ek_ca, config_.allow_no_ek_certificate});
    } catch (const evidence::ParseError& e) {
        throw EnrolmentRefused(400, std::string("enrolment: identity: ") + e.what());
    }
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
    } catch (const evidence::ParseError& e) {
        throw EnrolmentRefused(400, std::string("enrolment: answer: ") + e.what());
    }
    verifier::finish_enrollment(p.enrollment, secret);
    json response = {{"host_id", host_id}, {"checks", checks_json(p.enrollment.checks)}};
    if (!p.enrollment.ok()) throw EnrolmentRefused(422, response.dump());
    try {
        store_.enroll(p.host, p.replace);
    } catch (const EnrollmentConflict& e) { throw EnrolmentRefused(409, e.what()); } catch (const UnknownReference& e) {
        throw EnrolmentRefused(404, std::string("enrolment: ") + e.what());
    }
    response["verdict"] = "enrolled";
    response["mode"] = mode_name(p.host.mode);
    response["interval_seconds"] = p.host.interval.count();
    return response;
}

}  // namespace keel::verifierd
