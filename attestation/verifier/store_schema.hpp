// The host store's schema as numbered migrations. Version 1 is the table of
// enrolled hosts `keel enroll` and `keel verify` have always used; version 2
// adds what keel-verifierd keeps (how and how often each host is attested,
// its state, every appraisal with its checks) and the schema_version table
// that records when each migration ran; version 3 the pull schedule and the
// leases that let several verifier instances share it; version 4 nothing
// (PostgreSQL's push nonces: numbered alike in both stores); version 5 signed
// reference documents that hosts refer to. PRAGMA user_version mirrors the
// latest version, so an older keel refuses a newer store instead of writing
// to tables it does not know.
#pragma once

#include <string>

struct sqlite3;

namespace keel::verifier {

inline constexpr int store_schema_version = 5;

// An empty database gets the whole schema when `create` is set; a Keel host
// store of an older version is migrated in one transaction (all or nothing);
// anything else (not a Keel store, a newer version, an empty file without
// `create`) throws StoreError naming `path`, leaving the file as it was.
void prepare_schema(sqlite3* db, const std::string& path, bool create);

// The version a store is at (its schema_version table's latest row, or 1
// for a store from before that table existed).
int schema_version(sqlite3* db, const std::string& path);

}  // namespace keel::verifier
