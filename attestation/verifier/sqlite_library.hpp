// The SQLite functions the host store uses, resolved from libsqlite3.so.0 the
// first time a store is opened. Linking SQLite would map and relocate it (and
// libm) in every `keel` process: about a thousand microseconds of page faults,
// which a one-shot `keel verify` of tpm2-tools files, never opening a store,
// would pay on every call.
#pragma once

#include <sqlite3.h>

namespace keel::verifier {

struct SqliteLibrary {
    decltype(&::sqlite3_open_v2) open_v2;
    decltype(&::sqlite3_close) close;
    decltype(&::sqlite3_errmsg) errmsg;
    decltype(&::sqlite3_busy_timeout) busy_timeout;
    decltype(&::sqlite3_exec) exec;
    decltype(&::sqlite3_free) free;
    decltype(&::sqlite3_prepare_v2) prepare_v2;
    decltype(&::sqlite3_finalize) finalize;
    decltype(&::sqlite3_step) step;
    decltype(&::sqlite3_bind_text) bind_text;
    decltype(&::sqlite3_bind_blob) bind_blob;
    decltype(&::sqlite3_bind_int64) bind_int64;
    decltype(&::sqlite3_bind_null) bind_null;
    decltype(&::sqlite3_column_type) column_type;
    decltype(&::sqlite3_column_text) column_text;
    decltype(&::sqlite3_column_blob) column_blob;
    decltype(&::sqlite3_column_bytes) column_bytes;
    decltype(&::sqlite3_column_int64) column_int64;
};

// Loads the library once per process; throws StoreError (host_store.hpp)
// saying what is missing when it or one of its functions is not there.
const SqliteLibrary& sqlite();

}  // namespace keel::verifier
