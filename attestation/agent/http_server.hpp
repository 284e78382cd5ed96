// The agent's HTTP interface (version 1), loopback by default:
//   GET  /v1/identity                -> keel-identity JSON
//   POST /v1/activate  (challenge)   -> answer JSON
//   GET  /v1/evidence?nonce=<hex>    -> keel-evidence JSON
// Errors are JSON {"error": sentence}: 400 for a bad request, 500 when the
// TPM failed, 404 for other paths.
#pragma once

#include <memory>
#include <string>

#include "attestation/agent/agent_service.hpp"

namespace httplib {
class Server;
}

namespace keel::agent {

class HttpServer {
public:
    // `listen` is ADDRESS:PORT; throws std::runtime_error if it cannot bind.
    HttpServer(AgentService& service, const std::string& listen);
    ~HttpServer();
    // Serves until stop(); prints "keel-agent: serving on http://ADDRESS:PORT" first.
    void run();
    void stop();  // safe from a signal handler's point of view: only asks the server to stop

private:
    AgentService& service_;
    std::unique_ptr<httplib::Server> server_;
    std::string address_;
    int port_ = 0;
};

}  // namespace keel::agent
