// The body of POST /v1/enrollments, from an operator's client but still
// bytes from the network: read into a typed request, or refused with a
// sentence naming the member. Nothing here touches the store or a key; the
// identity's keys are judged by the enrolment checks afterwards.
//   {"host_id", "mode": "pull" | "push", "agent_url" (pull only),
//    "interval_seconds" (1-86400), "identity": keel-identity,
//    "reference_values": keel measure -o, or instead
//    "reference": {"name", "version"} naming a published signed reference
//    document (whether it is published is the store's to say),
//    "policy" (optional), "replace" (optional)}
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "attestation/evidence/identity_document.hpp"
#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

// A request refused, with the HTTP status to answer.
class EnrolmentRefused : public std::runtime_error {
public:
    EnrolmentRefused(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

struct EnrolmentRequest {
    FleetHost host;  // the record's keys, reference values and policy filled in
    evidence::IdentityDocument identity;
    bool replace = false;
};

// Host ids become URL path segments and log fields: kept to a safe alphabet.
bool valid_host_id(const std::string& host_id);

// {"name", "version"} naming a signed reference document, both valid labels
// (refdoc/document_shape.hpp), nothing else; `where` names it in the error.
// Throws EnrolmentRefused (400).
ReferenceName parse_reference_name(const nlohmann::json& value, const std::string& where);

// Throws EnrolmentRefused (400) naming what is wrong.
EnrolmentRequest parse_enrolment_request(const nlohmann::json& request, std::chrono::seconds default_interval);

}  // namespace keel::verifierd
