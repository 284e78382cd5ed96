// The push mode's nonces: 32 random bytes issued to one host, redeemed once,
// within their lifetime. A nonce is what makes evidence fresh: one used
// before, expired, never issued, or issued to another host is refused
// before anything is appraised or stored. Where they are kept is the
// fleet store's choice (FleetStore::nonce_store): in this process's memory
// for SQLite (one verifier: after a restart an agent asks for a new one),
// in the database for PostgreSQL, so that an agent may fetch its nonce from
// one instance and submit to another (instances behind one address).
#pragma once

#include <cstddef>
#include <string>

#include "attestation/evidence/bytes.hpp"

namespace keel::verifierd {

class NonceStore {
public:
    virtual ~NonceStore() = default;

    // A new nonce for `host_id`; at most a few stay outstanding per host
    // (a new one retires the oldest). Throws StoreError when the store is
    // down.
    virtual evidence::Bytes issue(const std::string& host_id) = 0;

    enum class Redemption { accepted, unknown, expired, other_host };
    // Single use: a nonce is gone after any redemption that found it.
    virtual Redemption redeem(const std::string& host_id, const evidence::Bytes& nonce) = 0;

    static const char* describe(Redemption r);
    static constexpr std::size_t nonce_bytes = 32;
};

// 32 bytes from OpenSSL's generator.
evidence::Bytes fresh_nonce();

}  // namespace keel::verifierd
