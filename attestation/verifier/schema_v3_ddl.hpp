// Schema version 3's DDL, one text for the SQLite host store
// (store_schema.cpp) and keel-verifierd's PostgreSQL store
// (verifierd/pg_schema.cpp), so the two cannot drift: the pull schedule,
// the leases, the instances' heartbeat rows. Only the dialect differs.
// Never edit it once shipped: stores in the field ran it.
#pragma once

#include <string>
#include <string_view>

namespace keel::verifier {

struct SqlDialect {
    // Milliseconds since the epoch need 64 bits: SQLite's INTEGER has them,
    // PostgreSQL's INTEGER does not.
    const char* integer;
};

inline constexpr SqlDialect sqlite_dialect{"INTEGER"};
inline constexpr SqlDialect postgresql_dialect{"BIGINT"};

std::string schema_v3_ddl(const SqlDialect& dialect);

// `ddl` with each "$INT" replaced by the dialect's 64-bit integer type (for
// the later versions written once for both stores: schema_v5_ddl.hpp).
std::string with_dialect(std::string_view ddl, const SqlDialect& dialect);

}  // namespace keel::verifier
