// The PostgreSQL fleet store's schema as numbered migrations, numbered like
// the SQLite store's (attestation/verifier/store_schema.hpp) so /healthz
// means the same by "schema_version 3" whichever database is behind it.
// Version 2 is the first a PostgreSQL store had (the fleet's hosts and
// appraisals); version 3 adds the pull schedule, the leases and the
// instances' heartbeat rows; version 4 the push nonces the instances share;
// version 5 signed reference documents that hosts refer to.
#pragma once

#include "attestation/verifierd/pg_connection.hpp"

namespace keel::verifierd {

inline constexpr int pg_schema_version = 5;

// An empty database gets the whole schema; an older Keel store is migrated;
// both in one transaction under an advisory lock, so instances starting
// together migrate once. A newer store, or a database with other tables
// and no Keel schema, throws StoreError and is left as it was.
void prepare_pg_schema(PgConnection& connection, const std::string& name);

int pg_schema_version_of(PgConnection& connection);

}  // namespace keel::verifierd
