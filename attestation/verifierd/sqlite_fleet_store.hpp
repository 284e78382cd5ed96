// The fleet store in the verifier's SQLite host store: the same file and
// `hosts` table keel enroll and keel verify use (schema version 2 adds the
// fleet's columns and tables: attestation/verifier/store_schema.hpp), so a
// host enrolled either way is one host; version 3 its pull schedule and
// leases. One connection, used by one thread at a time. Several verifier
// instances may share the file on one machine (the leases work the same
// way); across machines use PostgreSQL.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <vector>

#include "attestation/verifier/host_store.hpp"
#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

class SqliteFleetStore final : public FleetStore {
public:
    // Creates the file when missing; migrates an older Keel store.
    explicit SqliteFleetStore(const std::string& path);

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
    void heartbeat(const std::string& instance, Millis now) override;
    void leave(const std::string& instance) override;
    std::vector<std::string> live_instances(Millis alive_since) override;
    std::vector<FleetHost> claim_due_hosts(const std::string& instance, Millis now, Millis pull_timeout_ms,
                                           Millis alive_since, std::size_t limit) override;
    std::vector<std::string> mark_silent_hosts_unreachable(Millis now, unsigned intervals,
                                                           Millis watching_since) override;
    std::vector<Appraisal> appraisals(const std::string& host_id, std::size_t limit) override;
    std::int64_t appraisal_count() override;
    int schema_version() override;
    void check_health() override;
    // One verifier per SQLite file: its nonces stay in its memory.
    std::unique_ptr<NonceStore> nonce_store(std::chrono::seconds lifetime, std::size_t per_host) override;

private:
    std::vector<FleetHost> select_hosts(const std::string* host_id);
    // Inside a transaction: throws LeaseLost unless `lease` holds the host's
    // lease, then releases it and sets the next due time.
    void settle_lease(const std::string& host_id, const Lease& lease);
    std::vector<PublishedReference> select_references(const ReferenceName* id);
    // Inside a transaction: throws UnknownReference unless `id` is stored.
    void require_reference(const ReferenceName& id);

    // An appraisal waiting for its group commit (record_appraisal).
    struct PendingAppraisal {
        Appraisal appraisal;
        const std::optional<evidence::ClockInfo>& clock;
        const Lease* lease;
        bool done = false;
        std::exception_ptr error;
    };
    void commit_batch(const std::vector<PendingAppraisal*>& batch);
    void write_appraisal(Appraisal& a, const std::optional<evidence::ClockInfo>& clock, const Lease* lease);

    std::mutex group_mutex_;  // guards pending_ and committing_
    std::condition_variable committed_;
    std::vector<PendingAppraisal*> pending_;
    bool committing_ = false;
    std::mutex mutex_;
    verifier::HostStore store_;
};

}  // namespace keel::verifierd
