// Pull mode's request to a host's agent: GET /v1/evidence?nonce=<hex> on
// the agent's HTTP interface (attestation/agent/http_server.hpp), with a
// deadline and a size limit, so a slow or flooding agent costs one worker
// one interval and nothing more.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "attestation/evidence/bytes.hpp"

namespace keel::verifierd {

// No evidence came back: `reached` tells an agent that answered with an
// error or too much (the host's doing) from one that could not be reached.
class FetchError : public std::runtime_error {
public:
    FetchError(const std::string& what, bool reached) : std::runtime_error(what), reached_(reached) {}
    bool reached() const { return reached_; }

private:
    bool reached_;
};

std::string fetch_evidence(const std::string& agent_url, const evidence::Bytes& nonce, std::chrono::seconds timeout,
                           std::size_t max_bytes);

}  // namespace keel::verifierd
