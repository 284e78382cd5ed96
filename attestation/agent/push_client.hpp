// The agent's push mode: it connects out to keel-verifierd, so the attested
// host needs no inbound port. Each round fetches a fresh single-use nonce
// (POST /v1/hosts/{id}/nonce), quotes over it and submits the evidence
// (POST /v1/hosts/{id}/evidence), then waits the interval the verifier
// named. Over HTTPS with the host's own client certificate (its CN is the
// host id) and the verifier's certificate checked against a CA. A round's
// two requests share one connection, closed after the round; the next
// round resumes the TLS session (net/tls_resume.hpp).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "attestation/agent/agent_service.hpp"

namespace httplib {
class SSLClient;
}

namespace keel::agent {

struct PushOptions {
    std::string verifier;  // https://HOST:PORT
    std::string host_id;
    std::string certificate, private_key;  // PEM: the host's client certificate
    std::string verifier_ca;  // PEM: the CA the verifier's certificate chains to
    int retry_seconds = 10;  // when the verifier cannot be reached
};

class PushClient {
public:
    // Throws RequestError for an unusable URL or unreadable files.
    PushClient(AgentService& service, PushOptions options);
    ~PushClient();
    // Rounds until stop(); one line per round on stdout ("verdict") or stderr (why not).
    void run();
    void stop() { stopping_ = true; }

private:
    int round();  // seconds to the next round
    std::string certificate_stamp() const;

    AgentService& service_;
    PushOptions options_;
    std::string host_;
    int port_ = 443;
    std::atomic<bool> stopping_{false};
    std::unique_ptr<httplib::SSLClient> client_;  // kept across rounds: its TLS session is resumed
    std::string client_stamp_;  // certificate_stamp() when client_ was made
};

}  // namespace keel::agent
