// What every handler of the REST API (api_server.hpp, api_references.cpp)
// answers with: a refusal as ApiError (its status, the metrics' reason and
// a sentence; the route turns it into {"error": sentence}), a JSON body, a
// request body read exactly (exact_json.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace keel::verifierd {

struct ApiError {
    int status;
    std::string reason;
    std::string message;
};

void send(httplib::Response& res, int status, const nlohmann::json& body);
// Throws ApiError (400) when the body is not JSON or repeats a member.
nlohmann::json parse_body(const httplib::Request& req);

}  // namespace keel::verifierd
