// keel-verifierd as a child process for tests, and an HTTPS client of its
// API that presents a client certificate (or none) and checks the
// verifier's certificate against the test CA.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "test_pki.hpp"

namespace keel::test {

class VerifierdProcess {
public:
    // Writes `config` to dir/keel-verifierd.toml and starts the daemon with
    // it; throws with its stderr if it does not say where it serves.
    VerifierdProcess(const std::filesystem::path& dir, const std::string& config);
    int port() const { return port_; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }  // with [tls]
    std::string log() const;  // stdout and stderr so far
    int stop();  // SIGTERM; the exit status
    void kill();  // SIGKILL: no clean-up of any kind
    bool running();

private:
    std::filesystem::path dir_;
    std::unique_ptr<platform::ChildProcess> process_;
    int port_ = 0;
};

struct Reply {
    int status = 0;  // 0: no HTTP answer (the TLS handshake or the connection failed)
    std::string body;
    nlohmann::json json;  // discarded when the body is not JSON
};

// One request over HTTPS; `client` nullopt presents no certificate.
// Connecting (with the handshake) and each read wait at most `within`, and
// a body still going `within` after the start is cut off: status 0 and a
// body that says so. A broken verifier (an event stream where a status was
// due, a pool with no thread free) then fails the test instead of hanging
// it until CTest's timeout.
Reply call(int port, const std::string& ca, const std::optional<ClientCert>& client, const std::string& method,
           const std::string& path, const std::string& body = "",
           std::chrono::seconds within = std::chrono::seconds(60));

// keel-verifierd's path, compiled in (KEEL_VERIFIERD_PATH).
std::string verifierd_program();

}  // namespace keel::test
