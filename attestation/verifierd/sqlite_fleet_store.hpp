// The fleet store in the verifier's SQLite host store: the same file and
// `hosts` table keel enroll and keel verify use (schema version 2 adds the
// fleet's columns and tables: attestation/verifier/store_schema.hpp), so a
// host enrolled either way is one host. One connection, used by one thread
// at a time.
#pragma once

#include <mutex>

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
    Appraisal record_appraisal(Appraisal appraisal, const std::optional<evidence::ClockInfo>& clock) override;
    void record_failed_attempt(const std::string& host_id, Millis at, const std::string& error) override;
    std::vector<std::string> mark_silent_hosts_unreachable(Millis now, unsigned intervals,
                                                           Millis watching_since) override;
    std::vector<Appraisal> appraisals(const std::string& host_id, std::size_t limit) override;
    std::int64_t appraisal_count() override;
    int schema_version() override;
    void check_health() override;

private:
    std::vector<FleetHost> select_hosts(const std::string* host_id);

    std::mutex mutex_;
    verifier::HostStore store_;
};

}  // namespace keel::verifierd
