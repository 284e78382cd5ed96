// The PostgreSQL store's own rules: its schema versions (a new database is
// created at the current version, a version 2 database is migrated with its
// hosts and their schedules, a newer or foreign one is refused untouched),
// clear errors for a server that is not there, and a server restart under
// an open store.
#include <gtest/gtest.h>

#include <libpq-fe.h>
#include <thread>

#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/open_fleet_store.hpp"
#include "attestation/verifierd/pg_fleet_store.hpp"
#include "pg_server.hpp"
#include "tests/attestation/fleet/store_fixtures.hpp"

namespace keel::verifierd {
namespace {

// Runs SQL on the test's database directly; the first column of the first
// row, or "" when there is none.
std::string sql(const std::string& uri, const std::string& statements) {
    PGconn* c = PQconnectdb(uri.c_str());
    EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PGresult* r = PQexec(c, statements.c_str());
    const auto status = PQresultStatus(r);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << PQresultErrorMessage(r);
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(c);
    return out;
}

// The schema a version 2 store had, with one host (attested at 1000 ms,
// pulled every 60 s) and one appraisal.
constexpr const char* version_2_store = R"sql(
CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT);
INSERT INTO schema_version VALUES (2, '2026-12-01T00:00:00Z');
CREATE TABLE hosts (
    host_id TEXT PRIMARY KEY NOT NULL, ek_public BYTEA NOT NULL, ek_certificate BYTEA, ak_public BYTEA NOT NULL,
    ak_name BYTEA NOT NULL, reference_json TEXT NOT NULL, policy_json TEXT NOT NULL, last_clock BIGINT,
    last_reset_count BIGINT, last_restart_count BIGINT,
    enrolled_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    last_verified_at TEXT, mode TEXT NOT NULL DEFAULT 'manual', agent_url TEXT,
    interval_seconds BIGINT NOT NULL DEFAULT 60, state TEXT NOT NULL DEFAULT 'pending', enrolled_ms BIGINT,
    last_attested_ms BIGINT, last_attempt_ms BIGINT, last_error TEXT);
CREATE INDEX hosts_by_ek ON hosts (ek_public);
CREATE TABLE appraisals (id BIGSERIAL PRIMARY KEY, host_id TEXT NOT NULL, at_ms BIGINT NOT NULL,
    nonce BYTEA NOT NULL, verdict TEXT NOT NULL, mode TEXT NOT NULL, duration_us BIGINT NOT NULL);
CREATE INDEX appraisals_by_host ON appraisals (host_id, id);
CREATE TABLE appraisal_checks (appraisal_id BIGINT NOT NULL, position INTEGER NOT NULL, check_id TEXT NOT NULL,
    status TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (appraisal_id, position));
INSERT INTO hosts (host_id, ek_public, ak_public, ak_name, reference_json, policy_json, last_clock,
    last_reset_count, last_restart_count, mode, agent_url, interval_seconds, state, enrolled_ms, last_attested_ms,
    last_attempt_ms) VALUES ('old-host', '\x01', '\x02', '\x03', '{}', '{}', 500, 2, 1, 'pull',
    'http://127.0.0.1:9', 60, 'trusted', 500, 1000, 1000);
INSERT INTO appraisals (host_id, at_ms, nonce, verdict, mode, duration_us)
    VALUES ('old-host', 1000, '\xaabb', 'trusted', 'pull', 42);
INSERT INTO appraisal_checks VALUES (1, 0, 'quote.signature', 'pass', 'signed');
)sql";

class PgStore : public ::testing::Test {
protected:
    void SetUp() override { server_.create_database("fleet"); }
    std::string uri() const { return server_.uri("fleet"); }
    test::PgServer server_;
};

TEST_F(PgStore, NewDatabaseIsCreatedAtTheCurrentVersion) {
    PgFleetStore store(uri());
    EXPECT_EQ(store.schema_version(), 5);
    EXPECT_EQ(sql(uri(), "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version"), "2,3,4,5");
    EXPECT_EQ(sql(uri(), "SELECT to_regclass('reference_documents') IS NOT NULL"), "t");
    EXPECT_EQ(sql(uri(), "SELECT to_regclass('verifier_instances') IS NOT NULL"), "t");
    EXPECT_EQ(sql(uri(), "SELECT to_regclass('push_nonces') IS NOT NULL"), "t");
}

// database_connections: the pool keeps that many connections open.
TEST_F(PgStore, ThePoolHasTheConfiguredConnections) {
    auto in = [](const std::string& db) {
        return "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db + "' AND pid <> pg_backend_pid()";
    };
    auto three = open_fleet_store(uri(), 3);
    EXPECT_EQ(sql(uri(), in("fleet")), "3");
    server_.create_database("fleet2");
    auto one = open_fleet_store(server_.uri("fleet2"), 1);
    EXPECT_EQ(sql(server_.uri("fleet2"), in("fleet2")), "1");
    one->check_health();
}

TEST_F(PgStore, Version2DatabaseIsMigratedWithItsHostsAndSchedules) {
    sql(uri(), version_2_store);
    PgFleetStore store(uri());
    EXPECT_EQ(store.schema_version(), 5);
    auto old = store.host("old-host");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->mode, AttestMode::pull);
    EXPECT_EQ(old->state, HostState::trusted);
    ASSERT_TRUE(old->record.last_clock);
    EXPECT_EQ(old->record.last_clock->clock, 500u);
    EXPECT_EQ(old->record.ak_public, Bytes{2});
    // Its schedule resumes one interval after its last try.
    EXPECT_EQ(old->next_due, 1000 + 60'000);
    auto history = store.appraisals("old-host", 10);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].nonce, (Bytes{0xaa, 0xbb}));
    EXPECT_EQ(history[0].checks.size(), 1u);
    EXPECT_EQ(history[0].instance, "");
}

TEST_F(PgStore, NewerDatabaseIsRefusedUntouched) {
    sql(uri(), std::string(version_2_store) + "INSERT INTO schema_version VALUES (9, NULL);");
    try {
        PgFleetStore store(uri());
        FAIL() << "a version 9 store was opened";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 9 is newer than this keel-verifierd reads (5)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(sql(uri(), "SELECT to_regclass('verifier_instances') IS NULL"), "t");
    EXPECT_EQ(sql(uri(), "SELECT to_regclass('push_nonces') IS NULL"), "t");
    EXPECT_EQ(sql(uri(), "SELECT count(*) FROM information_schema.columns WHERE column_name = 'next_due_ms'"), "0");
}

TEST_F(PgStore, ForeignDatabaseIsRefusedUntouched) {
    sql(uri(), "CREATE TABLE invoices (id INTEGER);");
    EXPECT_THROW(PgFleetStore{uri()}, StoreError);
    EXPECT_EQ(sql(uri(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "1");
}

TEST_F(PgStore, ServerThatIsNotThereIsAClearError) {
    server_.stop();
    try {
        PgFleetStore store(uri());
        FAIL() << "opened a store on a stopped server";
    } catch (const StoreError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("PostgreSQL database \"fleet\""), std::string::npos) << what;
        EXPECT_NE(what.find("cannot connect"), std::string::npos) << what;
    }
    server_.start();
    // A connection string libpq cannot read is bad configuration.
    Config c;
    c.database = "postgresql://keel@/fleet?host=/tmp&nonsense=1";
    EXPECT_THROW(check_config(c), ConfigError);
    c.database = "postgresql://[::1";
    EXPECT_THROW(check_config(c), ConfigError);
}

TEST_F(PgStore, AStoreOutlivesAServerRestart) {
    PgFleetStore store(uri());
    store.enroll(test::host("h"), false);
    server_.stop();
    // Every call fails with a StoreError naming the database while it is
    // down (never a crash, never a verdict).
    EXPECT_THROW(store.hosts(), StoreError);
    EXPECT_THROW(store.check_health(), StoreError);
    server_.start();
    // Back after the backoff (at most a few seconds).
    bool back = false;
    for (int i = 0; i < 100 && !back; ++i) {
        try {
            back = store.hosts().size() == 1;
        } catch (const StoreError&) { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }
    }
    EXPECT_TRUE(back);
    // Every pooled connection reconnects, not just the first.
    for (int i = 0; i < 8; ++i) EXPECT_NO_THROW(store.check_health());
}

}  // namespace
}  // namespace keel::verifierd
