// Push nonces in PostgreSQL (table push_nonces, schema version 4), so that
// the instances sharing a fleet share them: an agent may fetch its nonce
// from one instance and submit its evidence to another. A redemption is one
// DELETE ... RETURNING, so two instances redeeming the same nonce at once
// cannot both accept it. Times are the wall clock in milliseconds (the
// instances' clocks agree to well within a nonce's lifetime).
#pragma once

#include <chrono>

#include "attestation/verifierd/nonce_store.hpp"
#include "attestation/verifierd/pg_connection.hpp"

namespace keel::verifierd {

class PgNonceStore final : public NonceStore {
public:
    PgNonceStore(PgPool& pool, std::chrono::seconds lifetime, std::size_t per_host)
        : pool_(pool), lifetime_(lifetime), per_host_(per_host) {}

    evidence::Bytes issue(const std::string& host_id) override;
    Redemption redeem(const std::string& host_id, const evidence::Bytes& nonce) override;

private:
    PgPool& pool_;
    std::chrono::seconds lifetime_;
    std::size_t per_host_;
};

}  // namespace keel::verifierd
