#include "attestation/verifier/sqlite_library.hpp"

#include <dlfcn.h>
#include <string>

#include "attestation/verifier/host_store.hpp"

namespace keel::verifier {
namespace {

constexpr const char* library_name = "libsqlite3.so.0";  // Debian: libsqlite3-0

template <typename Function> void resolve(void* handle, const char* name, Function& out) {
    out = reinterpret_cast<Function>(dlsym(handle, name));
    if (!out) throw StoreError(std::string(library_name) + " has no " + name);
}

SqliteLibrary load() {
    void* handle = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        throw StoreError(std::string("the host store needs SQLite, which cannot be loaded: ") + dlerror() +
                         " (Debian: apt-get install libsqlite3-0)");
    SqliteLibrary l{};
    resolve(handle, "sqlite3_open_v2", l.open_v2);
    resolve(handle, "sqlite3_close", l.close);
    resolve(handle, "sqlite3_errmsg", l.errmsg);
    resolve(handle, "sqlite3_busy_timeout", l.busy_timeout);
    resolve(handle, "sqlite3_exec", l.exec);
    resolve(handle, "sqlite3_free", l.free);
    resolve(handle, "sqlite3_prepare_v2", l.prepare_v2);
    resolve(handle, "sqlite3_finalize", l.finalize);
    resolve(handle, "sqlite3_step", l.step);
    resolve(handle, "sqlite3_bind_text", l.bind_text);
    resolve(handle, "sqlite3_bind_blob", l.bind_blob);
    resolve(handle, "sqlite3_bind_int64", l.bind_int64);
    resolve(handle, "sqlite3_bind_null", l.bind_null);
    resolve(handle, "sqlite3_column_type", l.column_type);
    resolve(handle, "sqlite3_column_text", l.column_text);
    resolve(handle, "sqlite3_column_blob", l.column_blob);
    resolve(handle, "sqlite3_column_bytes", l.column_bytes);
    resolve(handle, "sqlite3_column_int64", l.column_int64);
    return l;  // the handle stays open for the life of the process
}

}  // namespace

const SqliteLibrary& sqlite() {
    static const SqliteLibrary library = load();  // a failed load throws, and the next call tries again
    return library;
}

}  // namespace keel::verifier
