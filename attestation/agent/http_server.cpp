#include "attestation/agent/http_server.hpp"

#include <httplib.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace keel::agent {
namespace {

constexpr std::size_t max_request_bytes = 64u << 10;  // a challenge is a few hundred bytes
constexpr const char* json_type = "application/json";

void error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(nlohmann::json{{"error", message}}.dump() + "\n", json_type);
}

// Runs one request's work, mapping failures to status codes.
template <typename Work> void respond(httplib::Response& res, Work work) {
    try {
        res.set_content(work(), json_type);
    } catch (const RequestError& e) { error(res, 400, e.what()); } catch (const std::exception& e) {
        std::cerr << "keel-agent: " << e.what() << std::endl;
        error(res, 500, e.what());
    }
}

}  // namespace

HttpServer::HttpServer(AgentService& service, const std::string& listen)
    : service_(service), server_(std::make_unique<httplib::Server>()) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen " + listen + ": expected ADDRESS:PORT");
    address_ = listen.substr(0, colon);
    try {
        port_ = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) { throw std::runtime_error("--listen " + listen + ": the port is not a number"); }
    if (port_ < 0 || port_ > 65535) throw std::runtime_error("--listen " + listen + ": the port is out of range");

    server_->set_payload_max_length(max_request_bytes);
    server_->Get("/v1/identity", [this](const httplib::Request&, httplib::Response& res) {
        respond(res, [&] { return service_.identity_json(); });
    });
    server_->Post("/v1/activate", [this](const httplib::Request& req, httplib::Response& res) {
        respond(res, [&] { return service_.activate_json(req.body); });
    });
    server_->Get("/v1/evidence", [this](const httplib::Request& req, httplib::Response& res) {
        respond(res, [&] {
            if (!req.has_param("nonce")) throw RequestError("the nonce parameter is missing (?nonce=<hex>)");
            return service_.evidence_json(req.get_param_value("nonce"));
        });
    });
    server_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (res.status == 404 && res.body.empty()) error(res, 404, "no such resource: " + req.path);
    });

    if (port_ == 0) {
        port_ = server_->bind_to_any_port(address_.c_str());
        if (port_ < 0) throw std::runtime_error("cannot listen on " + address_);
    } else if (!server_->bind_to_port(address_.c_str(), port_)) {
        throw std::runtime_error("cannot listen on " + listen + " (in use, or not a local address)");
    }
}

HttpServer::~HttpServer() = default;

void HttpServer::run() {
    std::cout << "keel-agent: serving on http://" << address_ << ":" << port_ << std::endl;
    server_->listen_after_bind();
}

void HttpServer::stop() { server_->stop(); }

}  // namespace keel::agent
