// Enrolment over the API, in two steps so that it needs no inbound port on
// the host (push mode): an operator submits the agent's identity (keel-agent
// identity) with the host's reference values and policy; the desk runs the
// identity checks and answers with a credential challenge; the operator
// submits the agent's answer (keel-agent activate), and only then, if the AK
// proved to be on the EK's TPM, is the host stored. Challenges are kept in
// memory for a few minutes; the secret never leaves the verifier except
// inside the challenge.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "attestation/verifier/enrollment.hpp"
#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/enrolment_request.hpp"
#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

class EnrolmentDesk {
public:
    EnrolmentDesk(FleetStore& store, const Config& config) : store_(store), config_(config) {}

    // The body of POST /v1/enrollments, already parsed exactly. Returns the
    // response: {"host_id", "checks", "challenge"} (status 201), or throws
    // EnrolmentRefused (400 bad request, 404 the reference document it names
    // is not published, 409 host id or EK taken, 422 a named identity check
    // failed, with the checks in the message).
    nlohmann::json begin(const nlohmann::json& request);
    // POST /v1/enrollments/{host_id}/answer: {"secret": b64}.
    nlohmann::json finish(const std::string& host_id, const nlohmann::json& answer);

private:
    struct Pending {
        FleetHost host;
        verifier::Enrollment enrollment;
        bool replace = false;
        std::chrono::steady_clock::time_point at;
    };
    FleetStore& store_;
    const Config& config_;
    std::mutex mutex_;
    std::map<std::string, Pending> pending_;
};

nlohmann::json checks_json(const std::vector<verifier::Check>& checks);

}  // namespace keel::verifierd
