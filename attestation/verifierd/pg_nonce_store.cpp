#include "attestation/verifierd/pg_nonce_store.hpp"

namespace keel::verifierd {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

evidence::Bytes PgNonceStore::issue(const std::string& host_id) {
    const evidence::Bytes nonce = fresh_nonce();
    const std::int64_t now = now_ms(), lifetime = std::chrono::milliseconds(lifetime_).count();
    auto c = pool_.acquire();
    PgTransaction t(*c);
    // Expired nonces of any host go; a host asking again and again keeps at
    // most per_host outstanding (its oldest go first: by the sequence, since
    // several are issued within one millisecond).
    c->exec("DELETE FROM push_nonces WHERE issued_ms < $1::bigint - $2::bigint",
            PgParams().integer(now).integer(lifetime));
    c->exec("DELETE FROM push_nonces WHERE nonce IN (SELECT nonce FROM push_nonces WHERE host_id = $1 "
            "ORDER BY seq DESC OFFSET $2)",
            PgParams().text(host_id).integer(static_cast<std::int64_t>(per_host_ ? per_host_ - 1 : 0)));
    c->exec("INSERT INTO push_nonces (nonce, host_id, issued_ms) VALUES ($1, $2, $3)",
            PgParams().bytes(nonce).text(host_id).integer(now));
    t.commit();
    return nonce;
}

NonceStore::Redemption PgNonceStore::redeem(const std::string& host_id, const evidence::Bytes& nonce) {
    const std::int64_t now = now_ms(), lifetime = std::chrono::milliseconds(lifetime_).count();
    auto c = pool_.acquire();
    auto r = c->exec("DELETE FROM push_nonces WHERE nonce = $1 RETURNING host_id, issued_ms", PgParams().bytes(nonce));
    if (r.rows() == 0) return Redemption::unknown;
    if (r.text(0, 0) != host_id) return Redemption::other_host;
    if (now - r.integer(0, 1) > lifetime) return Redemption::expired;
    return Redemption::accepted;
}

}  // namespace keel::verifierd
