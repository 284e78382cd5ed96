// The push mode's nonces: 32 random bytes issued to one host, redeemed once,
// within their lifetime. A nonce is what makes evidence fresh: one used
// before, expired, never issued, or issued to another host is refused
// before anything is appraised or stored. Kept in memory only: after a
// verifier restart an agent simply asks for a new one.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "attestation/evidence/bytes.hpp"

namespace keel::verifierd {

class NonceBook {
public:
    using Clock = std::chrono::steady_clock;
    // At most `per_host` nonces outstanding per host (a new one retires the oldest).
    NonceBook(std::chrono::seconds lifetime, std::size_t per_host) : lifetime_(lifetime), per_host_(per_host) {}

    evidence::Bytes issue(const std::string& host_id);

    enum class Redemption { accepted, unknown, expired, other_host };
    // Single use: a nonce is gone after any redemption that found it.
    Redemption redeem(const std::string& host_id, const evidence::Bytes& nonce);

    static const char* describe(Redemption r);

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
