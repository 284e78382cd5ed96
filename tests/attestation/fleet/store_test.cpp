// The fleet store on SQLite, what only it has: schema migrations (a store
// keel enroll made at version 1 becomes the latest with its hosts intact,
// keel verify migrates it too; a newer or foreign database is refused
// untouched). Enrolment, appraisals, the clock and unreachable rules and the
// schedule are the store contract's (store_contract_test.cpp), run on SQLite
// in the same binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <sqlite3.h>

#include "attestation/verifier/host_store.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"

namespace keel::verifierd {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/keel-fleet-store-XXXXXX";
        path_ = mkdtemp(pattern);
    }
    ~TempDir() { fs::remove_all(path_); }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

void sql(const std::string& path, const std::string& statements) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error);
    const std::string why = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << why;
}

std::int64_t count(const std::string& path, const std::string& query) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, query.c_str(), -1, &s, nullptr);
    std::int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

// The schema keel enroll wrote before version 2, with one host in it.
constexpr const char* version_1_store = R"sql(
CREATE TABLE hosts (
    host_id TEXT PRIMARY KEY NOT NULL, ek_public BLOB NOT NULL, ek_certificate BLOB, ak_public BLOB NOT NULL,
    ak_name BLOB NOT NULL, reference_json TEXT NOT NULL, policy_json TEXT NOT NULL, last_clock INTEGER,
    last_reset_count INTEGER, last_restart_count INTEGER,
    enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), last_verified_at TEXT);
INSERT INTO hosts (host_id, ek_public, ak_public, ak_name, reference_json, policy_json, last_clock,
    last_reset_count, last_restart_count) VALUES ('old-host', x'01', x'02', x'03', '{}', '{}', 500, 2, 1);
PRAGMA user_version = 1;
)sql";

TEST(FleetStore, NewStoreIsAtTheLatestVersion) {
    TempDir dir;
    SqliteFleetStore store(dir.file("new.sqlite"));
    EXPECT_EQ(store.schema_version(), 5);
    EXPECT_EQ(count(dir.file("new.sqlite"), "PRAGMA user_version"), 5);
    EXPECT_EQ(count(dir.file("new.sqlite"), "SELECT count(*) FROM schema_version"), 5);
}

TEST(FleetStore, Version1StoreIsMigratedWithItsHosts) {
    TempDir dir;
    const auto path = dir.file("v1.sqlite");
    sql(path, version_1_store);
    SqliteFleetStore store(path);
    EXPECT_EQ(store.schema_version(), 5);
    auto old = store.host("old-host");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->mode, AttestMode::manual);  // keel enroll's hosts are not attested until asked
    EXPECT_EQ(old->state, HostState::pending);
    ASSERT_TRUE(old->record.last_clock);
    EXPECT_EQ(old->record.last_clock->clock, 500u);
    // keel verify's way in still reads it.
    verifier::HostStore cli(path, verifier::StoreOpening::existing);
    EXPECT_TRUE(cli.find("old-host"));
}

TEST(FleetStore, KeelVerifyMigratesAVersion1StoreToo) {
    TempDir dir;
    const auto path = dir.file("v1.sqlite");
    sql(path, version_1_store);
    { verifier::HostStore cli(path, verifier::StoreOpening::existing); }
    EXPECT_EQ(count(path, "PRAGMA user_version"), 5);
    EXPECT_EQ(count(path, "SELECT count(*) FROM appraisals"), 0);
}

TEST(FleetStore, Version2StoreResumesEachHostsScheduleAfterMigration) {
    TempDir dir;
    const auto path = dir.file("v2.sqlite");
    sql(path, version_1_store);
    { verifier::HostStore migrated_to_2(path, verifier::StoreOpening::existing); }
    // Back to what version 2 had: no schedule columns (nor reference
    // documents), a pull host tried at 1 s.
    sql(path, R"sql(
DROP INDEX hosts_by_reference;
ALTER TABLE hosts DROP COLUMN reference_name;
ALTER TABLE hosts DROP COLUMN reference_version;
ALTER TABLE appraisals DROP COLUMN reference;
DROP TABLE reference_documents;
DROP INDEX hosts_by_next_due;
ALTER TABLE hosts DROP COLUMN next_due_ms;
ALTER TABLE hosts DROP COLUMN lease_owner;
ALTER TABLE hosts DROP COLUMN lease_expires_ms;
ALTER TABLE appraisals DROP COLUMN instance;
DROP TABLE verifier_instances;
DELETE FROM schema_version WHERE version >= 3;
UPDATE hosts SET mode = 'pull', interval_seconds = 60, last_attempt_ms = 1000;
PRAGMA user_version = 2;
)sql");
    SqliteFleetStore store(path);
    EXPECT_EQ(store.schema_version(), 5);
    EXPECT_EQ(store.host("old-host")->next_due, 61'000);
}

TEST(FleetStore, NewerStoreIsRefusedUntouched) {
    TempDir dir;
    const auto path = dir.file("v9.sqlite");
    sql(path, std::string(version_1_store) + "PRAGMA user_version = 9;");
    EXPECT_THROW(SqliteFleetStore{path}, StoreError);
    EXPECT_EQ(count(path, "PRAGMA user_version"), 9);
    EXPECT_EQ(count(path, "SELECT count(*) FROM sqlite_master WHERE name = 'appraisals'"), 0);
}

TEST(FleetStore, ForeignDatabaseIsRefusedUntouched) {
    TempDir dir;
    const auto path = dir.file("other.sqlite");
    sql(path, "CREATE TABLE invoices (id INTEGER);");
    EXPECT_THROW(SqliteFleetStore{path}, StoreError);
    EXPECT_EQ(count(path, "SELECT count(*) FROM sqlite_master"), 1);
}

}  // namespace
}  // namespace keel::verifierd
