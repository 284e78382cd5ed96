#include "attestation/verifierd/agent_fetch.hpp"

#include <httplib.h>

#include "attestation/eventlog/hex.hpp"

namespace keel::verifierd {

std::string fetch_evidence(const std::string& agent_url, const evidence::Bytes& nonce, std::chrono::seconds timeout,
                           std::size_t max_bytes) {
    httplib::Client client(agent_url);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    std::string body;
    bool too_large = false;
    auto result = client.Get("/v1/evidence?nonce=" + eventlog::to_hex(nonce), [&](const char* data, std::size_t n) {
        if (body.size() + n > max_bytes) {
            too_large = true;
            return false;
        }
        body.append(data, n);
        return true;
    });
    if (too_large)
        throw FetchError("the agent at " + agent_url + " sent more than " + std::to_string(max_bytes) + " bytes", true);
    if (!result)
        throw FetchError("cannot reach the agent at " + agent_url + ": " + httplib::to_string(result.error()), false);
    if (result->status != 200)
        throw FetchError("the agent at " + agent_url + " answered " + std::to_string(result->status), true);
    return body;
}

}  // namespace keel::verifierd
