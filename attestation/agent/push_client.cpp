#include "attestation/agent/push_client.hpp"

#include <filesystem>
#include <httplib.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "attestation/net/tls_resume.hpp"

namespace keel::agent {
namespace {

constexpr int request_timeout_seconds = 60;  // a hardware TPM quote can take seconds; so can a busy verifier
constexpr int max_interval_seconds = 86400;

class RoundFailed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace

PushClient::PushClient(AgentService& service, PushOptions options) : service_(service), options_(std::move(options)) {
    const std::string scheme = "https://";
    if (options_.verifier.rfind(scheme, 0) != 0)
        throw RequestError("--verifier " + options_.verifier + ": expected https://HOST:PORT (push mode is TLS only)");
    auto rest = options_.verifier.substr(scheme.size());
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    const auto colon = rest.rfind(':');
    host_ = colon == std::string::npos ? rest : rest.substr(0, colon);
    if (colon != std::string::npos) {
        try {
            port_ = std::stoi(rest.substr(colon + 1));
        } catch (const std::exception&) { throw RequestError("--verifier " + options_.verifier + ": bad port"); }
    }
    if (host_.empty()) throw RequestError("--verifier " + options_.verifier + ": no host");
}

PushClient::~PushClient() = default;

void PushClient::run() {
    std::cout << "keel-agent: pushing evidence for host \"" << options_.host_id << "\" to " << options_.verifier
              << std::endl;
    while (!stopping_) {
        int wait = options_.retry_seconds;
        try {
            wait = round();
        } catch (const RoundFailed& e) {
            std::cerr << "keel-agent: push: " << e.what() << std::endl;
        } catch (const RequestError& e) {
            std::cerr << "keel-agent: push: " << e.what() << std::endl;
        } catch (const tpm::TpmError& e) { std::cerr << "keel-agent: push: TPM: " << e.what() << std::endl; }
        // Sleep in small steps so SIGTERM ends the agent promptly.
        for (int i = 0; i < wait * 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// The client certificate's files as they are now: a renewed certificate
// gets a new client (and so a full handshake with it).
std::string PushClient::certificate_stamp() const {
    std::string stamp;
    for (const auto& path : {options_.certificate, options_.private_key, options_.verifier_ca}) {
        std::error_code error;
        const auto written = std::filesystem::last_write_time(path, error);
        stamp += error ? std::string("?") : std::to_string(written.time_since_epoch().count());
        stamp += '/';
    }
    return stamp;
}

int PushClient::round() {
    // One client for the agent's life, so its TLS session is resumed each
    // round (the verifier checked this certificate when the session began);
    // the round's two requests share one connection, closed after the round
    // so that no verifier thread waits on it for an interval.
    const auto stamp = certificate_stamp();
    if (!client_ || stamp != client_stamp_) {
        auto client = std::make_unique<httplib::SSLClient>(host_, port_, options_.certificate, options_.private_key);
        if (!client->is_valid())
            throw RoundFailed("cannot use the client certificate " + options_.certificate + " / " +
                              options_.private_key);
        client->set_ca_cert_path(options_.verifier_ca.c_str());
        client->enable_server_certificate_verification(true);
        client->set_connection_timeout(request_timeout_seconds);
        client->set_read_timeout(request_timeout_seconds);
        client->set_keep_alive(true);
        client->set_tcp_nodelay(true);
        try {
            net::resume_tls_sessions(client->ssl_context());
        } catch (const std::runtime_error& e) { throw RoundFailed(e.what()); }
        client_ = std::move(client);
        client_stamp_ = stamp;
    }
    auto& client = *client_;
    struct CloseAfterRound {
        httplib::SSLClient& client;
        ~CloseAfterRound() { client.stop(); }
    } close_after_round{client};
    const std::string base = "/v1/hosts/" + options_.host_id;

    auto answer = [&](const httplib::Result& r, const std::string& what) {
        if (!r)
            throw RoundFailed("cannot reach " + options_.verifier + " (" + what +
                              "): " + httplib::to_string(r.error()));
        auto body = nlohmann::json::parse(r->body, nullptr, false);
        if (r->status != 200) {
            std::string why = body.is_object() && body.contains("error") && body["error"].is_string()
                                  ? body["error"].get<std::string>()
                                  : "HTTP " + std::to_string(r->status);
            throw RoundFailed(what + " refused (" + std::to_string(r->status) + "): " + why);
        }
        if (!body.is_object()) throw RoundFailed(what + ": the verifier's answer is not a JSON object");
        return body;
    };

    auto issued = answer(client.Post(base + "/nonce", "", "application/json"), "nonce");
    if (!issued.contains("nonce") || !issued["nonce"].is_string())
        throw RoundFailed("nonce: the verifier's answer has no nonce");
    int interval = options_.retry_seconds;
    if (issued.contains("interval_seconds") && issued["interval_seconds"].is_number_integer())
        interval = std::clamp(issued["interval_seconds"].get<int>(), 1, max_interval_seconds);

    const auto evidence = service_.evidence_json(issued["nonce"].get<std::string>());
    auto result = answer(client.Post(base + "/evidence", evidence, "application/json"), "evidence");
    std::cout << "keel-agent: verdict " << result.value("verdict", std::string("?")) << std::endl;
    return interval;
}

}  // namespace keel::agent
