#include "attestation/verifier/schema_v3_ddl.hpp"

#include <string_view>

namespace keel::verifier {
namespace {

// Each host's next due time (a store migrated from version 2 resumes one
// interval after the last try) and a lease on it; one heartbeat row per
// running instance; which instance made each appraisal. $INT is the
// dialect's 64-bit integer.
constexpr std::string_view ddl = R"sql(
ALTER TABLE hosts ADD COLUMN next_due_ms $INT;
ALTER TABLE hosts ADD COLUMN lease_owner TEXT;
ALTER TABLE hosts ADD COLUMN lease_expires_ms $INT;
UPDATE hosts SET next_due_ms = coalesce(last_attempt_ms + interval_seconds * 1000, enrolled_ms, 0);
CREATE INDEX hosts_by_next_due ON hosts (mode, next_due_ms);
ALTER TABLE appraisals ADD COLUMN instance TEXT NOT NULL DEFAULT '';
CREATE TABLE verifier_instances (
    instance_id TEXT PRIMARY KEY NOT NULL,
    started_ms $INT NOT NULL,
    heartbeat_ms $INT NOT NULL
);
)sql";

constexpr std::string_view placeholder = "$INT";

}  // namespace

std::string schema_v3_ddl(const SqlDialect& dialect) { return with_dialect(ddl, dialect); }

std::string with_dialect(std::string_view ddl, const SqlDialect& dialect) {
    std::string out;
    std::size_t from = 0;
    for (auto at = ddl.find(placeholder); at != std::string_view::npos; at = ddl.find(placeholder, from)) {
        out.append(ddl.substr(from, at - from));
        out.append(dialect.integer);
        from = at + placeholder.size();
    }
    out.append(ddl.substr(from));
    return out;
}

}  // namespace keel::verifier
