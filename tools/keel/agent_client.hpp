// The verifier's side of the agent's HTTP interface (attestation/agent).
#pragma once

#include <stdexcept>
#include <string>

namespace keel::cli {

// The agent could not be reached or answered with an error; what() says
// which, with the agent's own sentence when it gave one.
class AgentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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
