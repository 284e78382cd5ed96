#include "attestation/verifierd/pg_schema.hpp"

#include <array>
#include <string>

#include "attestation/verifier/schema_v3_ddl.hpp"
#include "attestation/verifier/schema_v5_ddl.hpp"

namespace keel::verifierd {
namespace {

// Any number, the same in every keel-verifierd: the advisory lock that
// serialises migrations of one database.
constexpr std::int64_t migration_lock = 0x6b65656c0001;  // "keel", 1

struct Migration {
    int version;
    std::string sql;
};

// Never edit one that shipped: databases in the field ran it; add the next.
// Version 2 is PostgreSQL's own (its first); 3 is written once for both
// stores (verifier/schema_v3_ddl.hpp); 4, push nonces shared by the
// instances, is PostgreSQL's alone (SQLite's verifier keeps them in memory);
// 5, signed reference documents, is written once for both (schema_v5_ddl.hpp),
// with a foreign key here that SQLite's ALTER TABLE cannot add: a host's
// reference names a stored document, whatever code writes it.
const std::array<Migration, 4>& migrations() {
    static const std::array<Migration, 4> all = {{
        {2, R"sql(
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY NOT NULL,
    applied_at TEXT
);
CREATE TABLE hosts (
    host_id TEXT PRIMARY KEY NOT NULL,
    ek_public BYTEA NOT NULL,
    ek_certificate BYTEA,
    ak_public BYTEA NOT NULL,
    ak_name BYTEA NOT NULL,
    reference_json TEXT NOT NULL,
    policy_json TEXT NOT NULL,
    last_clock BIGINT,
    last_reset_count BIGINT,
    last_restart_count BIGINT,
    enrolled_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    last_verified_at TEXT,
    mode TEXT NOT NULL DEFAULT 'manual',
    agent_url TEXT,
    interval_seconds BIGINT NOT NULL DEFAULT 60,
    state TEXT NOT NULL DEFAULT 'pending',
    enrolled_ms BIGINT,
    last_attested_ms BIGINT,
    last_attempt_ms BIGINT,
    last_error TEXT
);
CREATE INDEX hosts_by_ek ON hosts (ek_public);
CREATE TABLE appraisals (
    id BIGSERIAL PRIMARY KEY,
    host_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    nonce BYTEA NOT NULL,
    verdict TEXT NOT NULL,
    mode TEXT NOT NULL,
    duration_us BIGINT NOT NULL
);
CREATE INDEX appraisals_by_host ON appraisals (host_id, id);
CREATE TABLE appraisal_checks (
    appraisal_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (appraisal_id, position)
);
)sql"},
        {3, verifier::schema_v3_ddl(verifier::postgresql_dialect)},
        {4, R"sql(
CREATE TABLE push_nonces (
    nonce BYTEA PRIMARY KEY NOT NULL,
    host_id TEXT NOT NULL,
    issued_ms BIGINT NOT NULL,
    seq BIGSERIAL NOT NULL
);
CREATE INDEX push_nonces_by_host ON push_nonces (host_id, seq);
)sql"},
        {5, verifier::schema_v5_ddl(verifier::postgresql_dialect) + R"sql(
ALTER TABLE hosts ADD CONSTRAINT hosts_reference_document FOREIGN KEY (reference_name, reference_version)
    REFERENCES reference_documents (name, version);
)sql"},
    }};
    return all;
}

bool has_table(PgConnection& c, const char* name) {
    return c.exec("SELECT to_regclass($1) IS NOT NULL", PgParams().text(name)).text(0, 0) == "t";
}

}  // namespace

int pg_schema_version_of(PgConnection& c) {
    return static_cast<int>(c.exec("SELECT max(version) FROM schema_version").integer(0, 0));
}

void prepare_pg_schema(PgConnection& c, const std::string& name) {
    PgTransaction t(c);
    c.exec("SELECT pg_advisory_xact_lock($1)", PgParams().integer(migration_lock));
    int from = 0;
    if (has_table(c, "schema_version") && has_table(c, "hosts")) {
        from = pg_schema_version_of(c);
        if (from > pg_schema_version)
            throw StoreError(name + ": schema version " + std::to_string(from) +
                             " is newer than this keel-verifierd reads (" + std::to_string(pg_schema_version) +
                             "): run the newer keel-verifierd, or restore a backup from before it migrated");
        if (from < migrations().front().version - 1)
            throw StoreError(name + ": schema version " + std::to_string(from) + " is not one Keel wrote");
    } else {
        const auto tables = c.exec("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").integer(0, 0);
        if (tables != 0)
            throw StoreError(name + ": the database has tables but no Keel schema; keel-verifierd adds its tables "
                                    "only to an empty database");
    }
    for (const auto& m : migrations()) {
        if (m.version <= from) continue;
        c.script(m.sql);
        c.exec("INSERT INTO schema_version (version, applied_at) VALUES ($1, "
               "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
               PgParams().integer(m.version));
    }
    t.commit();
}

}  // namespace keel::verifierd
