// Prepared statements and transactions on a store's SQLite connection, shared
// by the host store and the fleet verifier's store so both speak SQL the same
// way: every failure is a StoreError naming the file and SQLite's reason.
#pragma once

#include <cstdint>
#include <string>

#include "attestation/evidence/bytes.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace keel::verifier {

// A prepared statement, finalized however the call ends.
class Statement {
public:
    Statement(sqlite3* db, const char* sql, const std::string& path);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int i, const std::string& text);
    void bind(int i, const evidence::Bytes& blob);
    void bind(int i, std::int64_t value);
    void bind_null(int i);
    // True while there is a row.
    bool step();
    bool is_null(int col);
    std::string text(int col);
    evidence::Bytes blob(int col);
    std::int64_t integer(int col);

private:
    void check(int rc);
    [[noreturn]] void fail(const char* what);
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    const std::string& path_;
};

// BEGIN IMMEDIATE (the write lock at once, so two processes sharing the file
// cannot both pass a check and then both write), rolled back unless commit().
class Transaction {
public:
    Transaction(sqlite3* db, const std::string& path);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    sqlite3* db_;
    const std::string& path_;
    bool open_ = true;
};

// Runs SQL without results (schema changes); throws StoreError with `what`.
void execute(sqlite3* db, const std::string& sql, const std::string& path, const char* what);

}  // namespace keel::verifier
