// Push nonces in this process's memory (nonce_store.hpp): the SQLite
// store's, where one verifier serves the fleet.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "attestation/verifierd/nonce_store.hpp"

namespace keel::verifierd {

class NonceBook final : public NonceStore {
public:
    using Clock = std::chrono::steady_clock;
    // At most `per_host` nonces outstanding per host (a new one retires the oldest).
    NonceBook(std::chrono::seconds lifetime, std::size_t per_host) : lifetime_(lifetime), per_host_(per_host) {}

    evidence::Bytes issue(const std::string& host_id) override;
    Redemption redeem(const std::string& host_id, const evidence::Bytes& nonce) override;

private:
    struct Issued {
        std::string host_id;
        Clock::time_point at;
    };
    void forget_expired(Clock::time_point now);

    std::chrono::seconds lifetime_;
    std::size_t per_host_;
    std::mutex mutex_;
    std::map<evidence::Bytes, Issued> issued_;
};

}  // namespace keel::verifierd
