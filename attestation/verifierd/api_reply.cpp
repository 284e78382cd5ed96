#include "attestation/verifierd/api_reply.hpp"

#include <httplib.h>

#include "attestation/json/exact_json.hpp"

namespace keel::verifierd {

void send(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump() + "\n", "application/json");
}

nlohmann::json parse_body(const httplib::Request& req) {
    nlohmann::json body;
    try {
        body = keel::json::parse_exact(req.body);
    } catch (const keel::json::RepeatedMember& e) { throw ApiError{400, "malformed", e.what()}; }
    if (body.is_discarded()) throw ApiError{400, "malformed", "the body is not JSON"};
    return body;
}

}  // namespace keel::verifierd
