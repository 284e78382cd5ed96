#include "attestation/verifier/schema_v5_ddl.hpp"

namespace keel::verifier {
namespace {

// One row per published document, immutable once written: (name, version)
// is its key, so a second document under the same pair cannot be stored.
// The document is kept as published (anyone can check its signature again);
// reference_json is the values it signs, read from it once. A host with
// reference_name set is appraised against that row's values and keeps its
// own reference_json empty. appraisals.reference: "name@version", or NULL
// for a host's own values.
constexpr std::string_view ddl = R"sql(
CREATE TABLE reference_documents (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    document TEXT NOT NULL,
    digest TEXT NOT NULL,
    reference_json TEXT NOT NULL,
    publisher TEXT NOT NULL,
    issued_at $INT NOT NULL,
    published_ms $INT NOT NULL,
    PRIMARY KEY (name, version)
);
ALTER TABLE hosts ADD COLUMN reference_name TEXT;
ALTER TABLE hosts ADD COLUMN reference_version TEXT;
CREATE INDEX hosts_by_reference ON hosts (reference_name, reference_version);
ALTER TABLE appraisals ADD COLUMN reference TEXT;
)sql";

}  // namespace

std::string schema_v5_ddl(const SqlDialect& dialect) { return with_dialect(ddl, dialect); }

}  // namespace keel::verifier
