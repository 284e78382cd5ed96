// libpq for the PostgreSQL fleet store: a few connections shared by the
// verifier's threads, statements with typed parameters, and transactions.
// Every failure is a StoreError naming the database (never its password)
// and PostgreSQL's reason. A connection the server dropped (PostgreSQL
// restarting) is opened again on next use, with a backoff doubling up to a
// few seconds so an outage is not met with a storm of connection attempts;
// meanwhile each call fails at once with the last reason.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "attestation/evidence/bytes.hpp"
#include "attestation/verifier/host_store.hpp"

struct pg_conn;
struct pg_result;

namespace keel::verifierd {

using verifier::StoreError;

// Parameters of one statement: text for strings and numbers, binary for bytea.
class PgParams {
public:
    PgParams& text(std::string value);
    PgParams& integer(std::int64_t value);
    PgParams& bytes(const evidence::Bytes& value);
    PgParams& null();

private:
    friend class PgConnection;
    std::vector<std::string> values_;
    std::vector<int> formats_;
    std::vector<bool> nulls_;
};

class PgResult {
public:
    explicit PgResult(pg_result* result);
    ~PgResult();
    PgResult(PgResult&& other) noexcept;
    PgResult& operator=(PgResult&& other) noexcept;
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;

    int rows() const;
    bool is_null(int row, int col) const;
    std::string text(int row, int col) const;
    std::int64_t integer(int row, int col) const;
    evidence::Bytes bytes(int row, int col) const;  // a bytea column in text form
    int affected() const;  // rows an INSERT, UPDATE or DELETE changed
    pg_result* get() const { return result_; }

private:
    pg_result* result_;
};

class PgPool;

class PgConnection {
public:
    PgConnection(pg_conn* conn, const std::string* name, PgPool* pool) : conn_(conn), name_(name), pool_(pool) {}
    // Throws StoreError; SQLSTATE 40P01/40001 and a dropped connection are
    // errors like any other (the caller's transaction is then rolled back).
    PgResult exec(const std::string& sql, const PgParams& params = {});
    // Several statements without parameters (a migration).
    void script(const std::string& sql);
    bool broken() const;

private:
    friend class PgPool;
    void check(const PgResult& result);
    pg_conn* conn_;
    const std::string* name_;  // the pool's, for messages
    PgPool* pool_;
    // Set when handed out: a connection idle in the pool may have been
    // dropped by a server restart, which libpq learns only when it is used.
    // The first statement (nothing done yet) is then safe to send again on
    // a new connection.
    bool first_ = false;
};

// What PQconninfoParse makes of `uri` for messages: database, host, port and
// user, without the password. Throws StoreError when libpq cannot parse it.
std::string describe_connection(const std::string& uri);

class PgPool {
public:
    // Connects `size` connections now: a database that cannot be reached at
    // start-up is an error at start-up (StoreError with libpq's reason).
    PgPool(const std::string& uri, std::size_t size);
    ~PgPool();
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;

    class Handle {
    public:
        Handle(PgPool& pool, std::size_t index) : pool_(&pool), index_(index) {}
        Handle(Handle&& other) noexcept : pool_(other.pool_), index_(other.index_) { other.pool_ = nullptr; }
        Handle(const Handle&) = delete;
        ~Handle();
        PgConnection& operator*() { return pool_->connections_[index_]->connection; }
        PgConnection* operator->() { return &**this; }

    private:
        PgPool* pool_;
        std::size_t index_;
    };
    // Waits for a free connection; reconnects it if the server dropped it.
    Handle acquire();
    const std::string& name() const { return name_; }

private:
    friend class PgConnection;
    struct Slot {
        PgConnection connection;
        bool busy = false;
    };
    pg_conn* connect();
    void reconnect(PgConnection& connection);

    std::string uri_, name_;
    std::mutex mutex_;
    std::condition_variable released_;
    std::vector<std::unique_ptr<Slot>> connections_;
    std::mutex reconnect_mutex_;
    std::int64_t retry_at_ms_ = 0, backoff_ms_ = 0;
    std::string last_error_;
};

// BEGIN; ROLLBACK unless commit() (also when the connection is gone).
class PgTransaction {
public:
    explicit PgTransaction(PgConnection& connection);
    ~PgTransaction();
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;
    void commit();

private:
    PgConnection& connection_;
    bool open_ = true;
};

}  // namespace keel::verifierd
