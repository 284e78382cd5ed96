#include "attestation/verifier/sqlite_statement.hpp"

#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/sqlite_library.hpp"

namespace keel::verifier {

Statement::Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite().prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
}

Statement::~Statement() { sqlite().finalize(stmt_); }

void Statement::bind(int i, const std::string& text) {
    check(sqlite().bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
}

void Statement::bind(int i, const evidence::Bytes& blob) {
    check(sqlite().bind_blob(stmt_, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT));
}

void Statement::bind(int i, std::int64_t value) { check(sqlite().bind_int64(stmt_, i, value)); }

void Statement::bind_null(int i) { check(sqlite().bind_null(stmt_, i)); }

bool Statement::step() {
    int rc = sqlite().step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail("step");
    return false;
}

bool Statement::is_null(int col) { return sqlite().column_type(stmt_, col) == SQLITE_NULL; }

std::string Statement::text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite().column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite().column_bytes(stmt_, col))) : std::string();
}

evidence::Bytes Statement::blob(int col) {
    auto p = static_cast<const std::uint8_t*>(sqlite().column_blob(stmt_, col));
    return p ? evidence::Bytes(p, p + sqlite().column_bytes(stmt_, col)) : evidence::Bytes();
}

std::int64_t Statement::integer(int col) { return sqlite().column_int64(stmt_, col); }

void Statement::check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
}

void Statement::fail(const char* what) {
    throw StoreError("host store " + path_ + ": " + what + ": " + sqlite().errmsg(db_));
}

Transaction::Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
    if (sqlite().exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw StoreError("host store " + path_ + ": cannot begin a transaction: " + sqlite().errmsg(db_));
}

Transaction::~Transaction() {
    if (open_) sqlite().exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    if (sqlite().exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw StoreError("host store " + path_ + ": cannot commit: " + sqlite().errmsg(db_));
    open_ = false;
}

void execute(sqlite3* db, const std::string& sql, const std::string& path, const char* what) {
    char* error = nullptr;
    if (sqlite().exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string why = error ? error : "unknown error";
        sqlite().free(error);
        throw StoreError("host store " + path + ": " + what + ": " + why);
    }
}

}  // namespace keel::verifier
