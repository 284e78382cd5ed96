#include "attestation/verifier/store_schema.hpp"

#include <array>

#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/schema_v3_ddl.hpp"
#include "attestation/verifier/schema_v5_ddl.hpp"
#include "attestation/verifier/sqlite_statement.hpp"

namespace keel::verifier {
namespace {

// migrations[i] takes a store from version i to i + 1. Never edit one that
// shipped: stores in the field ran it; add the next instead. Versions 3 and
// 5 are written once for both stores (schema_v3_ddl.hpp, schema_v5_ddl.hpp).
// Version 4 is PostgreSQL's shared push nonces: this store keeps them in
// memory, so it has nothing to do, and is numbered past it all the same so
// that a version means the same schema in both stores.
constexpr std::array<const char*, 2> migrations_1_2 = {
    // 1: enrolled hosts (keel enroll, keel verify)
    R"sql(
CREATE TABLE IF NOT EXISTS hosts (
    host_id TEXT PRIMARY KEY NOT NULL,
    ek_public BLOB NOT NULL,
    ek_certificate BLOB,
    ak_public BLOB NOT NULL,
    ak_name BLOB NOT NULL,
    reference_json TEXT NOT NULL,
    policy_json TEXT NOT NULL,
    last_clock INTEGER,
    last_reset_count INTEGER,
    last_restart_count INTEGER,
    enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_verified_at TEXT
);
)sql",
    // 2: continuous attestation (keel-verifierd). A host enrolled by
    // `keel enroll` is 'manual': appraised only when someone runs keel verify.
    R"sql(
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY NOT NULL,
    applied_at TEXT
);
INSERT INTO schema_version (version, applied_at) VALUES (1, NULL);
ALTER TABLE hosts ADD COLUMN mode TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE hosts ADD COLUMN agent_url TEXT;
ALTER TABLE hosts ADD COLUMN interval_seconds INTEGER NOT NULL DEFAULT 60;
ALTER TABLE hosts ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE hosts ADD COLUMN enrolled_ms INTEGER;
ALTER TABLE hosts ADD COLUMN last_attested_ms INTEGER;
ALTER TABLE hosts ADD COLUMN last_attempt_ms INTEGER;
ALTER TABLE hosts ADD COLUMN last_error TEXT;
CREATE TABLE appraisals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    nonce BLOB NOT NULL,
    verdict TEXT NOT NULL,
    mode TEXT NOT NULL,
    duration_us INTEGER NOT NULL
);
CREATE INDEX appraisals_by_host ON appraisals (host_id, id);
CREATE TABLE appraisal_checks (
    appraisal_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (appraisal_id, position)
);
)sql",
};

std::string migration(int version) {
    if (version == 3) return schema_v3_ddl(sqlite_dialect);
    if (version == 4) return "";
    if (version == 5) return schema_v5_ddl(sqlite_dialect);
    return migrations_1_2.at(static_cast<std::size_t>(version - 1));
}

std::int64_t single_integer(sqlite3* db, const char* sql, const std::string& path) {
    Statement s(db, sql, path);
    s.step();
    return s.integer(0);
}

bool has_table(sqlite3* db, const char* name, const std::string& path) {
    Statement s(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", path);
    s.bind(1, std::string(name));
    s.step();
    return s.integer(0) == 1;
}

void migrate(sqlite3* db, const std::string& path, int from) {
    Transaction t(db, path);
    for (int version = from + 1; version <= store_schema_version; ++version) {
        execute(db, migration(version), path, "cannot migrate the schema");
        if (version >= 2) {
            Statement s(db,
                        "INSERT INTO schema_version (version, applied_at) VALUES (?, "
                        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                        path);
            s.bind(1, static_cast<std::int64_t>(version));
            s.step();
        }
    }
    execute(db, "PRAGMA user_version = " + std::to_string(store_schema_version), path, "cannot migrate the schema");
    t.commit();
}

}  // namespace

void prepare_schema(sqlite3* db, const std::string& path, bool create) {
    const auto tables = single_integer(db, "SELECT count(*) FROM sqlite_master", path);
    const auto version = single_integer(db, "PRAGMA user_version", path);
    if (tables == 0 && version == 0) {
        if (!create)
            throw StoreError("host store " + path +
                             ": an empty file, not a Keel host store (keel enroll "
                             "creates one)");
        return migrate(db, path, 0);
    }
    if (!has_table(db, "hosts", path) || version == 0)
        throw StoreError("host store " + path + ": an SQLite database, but not a Keel host store");
    if (version > store_schema_version)
        throw StoreError("host store " + path + ": schema version " + std::to_string(version) +
                         " is newer than this keel reads (" + std::to_string(store_schema_version) + ")");
    if (version < store_schema_version) migrate(db, path, static_cast<int>(version));
}

int schema_version(sqlite3* db, const std::string& path) {
    if (!has_table(db, "schema_version", path)) return 1;
    return static_cast<int>(single_integer(db, "SELECT max(version) FROM schema_version", path));
}

}  // namespace keel::verifier
