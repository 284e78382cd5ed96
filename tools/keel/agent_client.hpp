// The verifier's side of the agent's HTTP interface (attestation/agent).
#pragma once

#include <stdexcept>
#include <string>

namespace keel::cli {

// The agent could not be reached or answered with an error; what() says
// which, with the agent's own sentence when it gave one. local() is true
// when the verifier's side failed (its HTTP plugin missing, no connection to
// the agent, no answer in time): nothing was learnt about the host. An agent
// that answered with an error, or with more than a verifier accepts, is the
// host's failure.
class AgentError : public std::runtime_error {
public:
    AgentError(const std::string& what, bool local) : std::runtime_error(what), local_(local) {}
    bool local() const { return local_; }

private:
    bool local_;
};

class AgentClient {
public:
    explicit AgentClient(std::string url);  // http://HOST:PORT
    std::string identity();
    std::string activate(const std::string& challenge_json);
    std::string evidence(const std::string& nonce_hex);

private:
    std::string url_;
};

}  // namespace keel::cli
