// Schema version 5's DDL, one text for the SQLite host store
// (store_schema.cpp) and keel-verifierd's PostgreSQL store
// (verifierd/pg_schema.cpp): signed reference documents
// (attestation/refdoc/), which hosts refer to by name and version, and the
// document each appraisal was made against. Never edit it once shipped.
#pragma once

#include <string>

#include "attestation/verifier/schema_v3_ddl.hpp"

namespace keel::verifier {

std::string schema_v5_ddl(const SqlDialect& dialect);

}  // namespace keel::verifier
