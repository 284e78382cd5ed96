// The fleet store in PostgreSQL (libpq), for several keel-verifierd
// instances sharing one fleet: the same interface and rules as the SQLite
// store (sqlite_fleet_store.hpp), with row locks where SQLite locks the
// file. Due hosts are claimed with FOR UPDATE SKIP LOCKED, so instances
// claiming at once take different hosts without waiting for one another;
// an appraisal, the host's new state, its clock and the release of its
// lease are one transaction. A few pooled connections serve the verifier's
// threads; one the server dropped is reconnected (pg_connection.hpp).
#pragma once

#include "attestation/verifierd/fleet_store.hpp"
#include "attestation/verifierd/pg_connection.hpp"

namespace keel::verifierd {

class PgFleetStore final : public FleetStore {
public:
    // `uri`: a libpq connection string (postgresql://USER@HOST:PORT/DB?...).
    // Throws StoreError when the database cannot be reached, is newer than
    // this schema or is not a Keel store; an empty one is given the schema.
    explicit PgFleetStore(const std::string& uri, std::size_t connections = 4);

    void enroll(const FleetHost& host, bool replace) override;
    std::optional<FleetHost> host(const std::string& host_id) override;
    std::vector<FleetHost> hosts() override;
    Publication publish_reference(const PublishedReference& document) override;
    std::optional<PublishedReference> reference(const ReferenceName& id) override;
    std::vector<PublishedReference> references() override;
    void refer_hosts(const std::vector<std::string>& host_ids, const ReferenceName& to) override;
    std::vector<std::string> move_references(const ReferenceName& from, const ReferenceName& to) override;
    Appraisal record_appraisal(Appraisal appraisal, const std::optional<evidence::ClockInfo>& clock,
                               const Lease* lease = nullptr) override;
    void record_failed_attempt(const std::string& host_id, Millis at, const std::string& error,
                               const Lease* lease = nullptr) override;
    std::vector<std::string> mark_silent_hosts_unreachable(Millis now, unsigned intervals,
                                                           Millis watching_since) override;
    void heartbeat(const std::string& instance, Millis now) override;
    void leave(const std::string& instance) override;
    std::vector<std::string> live_instances(Millis alive_since) override;
    std::vector<FleetHost> claim_due_hosts(const std::string& instance, Millis now, Millis pull_timeout_ms,
                                           Millis alive_since, std::size_t limit) override;
    std::vector<Appraisal> appraisals(const std::string& host_id, std::size_t limit) override;
    std::int64_t appraisal_count() override;
    int schema_version() override;
    void check_health() override;
    // In the database (pg_nonce_store.hpp): any instance redeems any nonce.
    std::unique_ptr<NonceStore> nonce_store(std::chrono::seconds lifetime, std::size_t per_host) override;

private:
    // Inside a transaction holding the host's row lock.
    void settle_lease(PgConnection& c, const std::string& host_id, const Lease& lease);
    PgPool pool_;
};

}  // namespace keel::verifierd
