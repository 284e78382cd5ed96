#include "tools/keel/agent_client.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace keel::cli {
namespace {

constexpr time_t timeout_seconds = 60;  // a hardware TPM quote can take seconds

std::string checked(const std::string& url, const std::string& path, const httplib::Result& res) {
    if (!res) throw AgentError("cannot reach the agent at " + url + path + ": " + httplib::to_string(res.error()));
    if (res->status != 200) {
        std::string why = res->body;
        auto doc = nlohmann::json::parse(res->body, nullptr, false);
        if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) why = doc["error"].get<std::string>();
        throw AgentError("the agent at " + url + path + " answered " + std::to_string(res->status) + ": " + why);
    }
    return res->body;
}

void configure(httplib::Client& c) {
    c.set_connection_timeout(timeout_seconds, 0);
    c.set_read_timeout(timeout_seconds, 0);
}

}  // namespace

AgentClient::AgentClient(std::string url) : url_(std::move(url)) {
    if (url_.rfind("http://", 0) != 0) throw AgentError("--agent " + url_ + ": expected http://HOST:PORT");
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

std::string AgentClient::identity() {
    httplib::Client c(url_);
    configure(c);
    return checked(url_, "/v1/identity", c.Get("/v1/identity"));
}

std::string AgentClient::activate(const std::string& challenge_json) {
    httplib::Client c(url_);
    configure(c);
    return checked(url_, "/v1/activate", c.Post("/v1/activate", challenge_json, "application/json"));
}

std::string AgentClient::evidence(const std::string& nonce_hex) {
    httplib::Client c(url_);
    configure(c);
    return checked(url_, "/v1/evidence", c.Get("/v1/evidence?nonce=" + nonce_hex));
}

}  // namespace keel::cli
