#include "attestation/verifierd/pg_connection.hpp"

#include <chrono>
#include <cstdlib>
#include <libpq-fe.h>

namespace keel::verifierd {
namespace {

// libpq waits this long for a server that does not answer (a firewall
// dropping packets) unless the connection string says otherwise.
constexpr const char* default_connect_timeout_seconds = "5";
constexpr std::int64_t first_backoff_ms = 100, longest_backoff_ms = 5000;

std::int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

PgParams& PgParams::text(std::string value) {
    values_.push_back(std::move(value));
    formats_.push_back(0);
    nulls_.push_back(false);
    return *this;
}

PgParams& PgParams::integer(std::int64_t value) { return text(std::to_string(value)); }

PgParams& PgParams::bytes(const evidence::Bytes& value) {
    values_.emplace_back(value.begin(), value.end());
    formats_.push_back(1);
    nulls_.push_back(false);
    return *this;
}

PgParams& PgParams::null() {
    values_.emplace_back();
    formats_.push_back(0);
    nulls_.push_back(true);
    return *this;
}

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() { PQclear(result_); }
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
PgResult& PgResult::operator=(PgResult&& other) noexcept {
    std::swap(result_, other.result_);
    return *this;
}
int PgResult::affected() const { return std::atoi(PQcmdTuples(result_)); }
int PgResult::rows() const { return PQntuples(result_); }
bool PgResult::is_null(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }
std::string PgResult::text(int row, int col) const { return PQgetvalue(result_, row, col); }
std::int64_t PgResult::integer(int row, int col) const { return std::stoll(PQgetvalue(result_, row, col)); }

evidence::Bytes PgResult::bytes(int row, int col) const {
    std::size_t n = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, col)), &n);
    if (!raw) throw StoreError("PostgreSQL: cannot decode a bytea value (out of memory)");
    evidence::Bytes out(raw, raw + n);
    PQfreemem(raw);
    return out;
}

PgResult PgConnection::exec(const std::string& sql, const PgParams& params) {
    const auto n = params.values_.size();
    std::vector<const char*> values(n);
    std::vector<int> lengths(n);
    for (std::size_t i = 0; i < n; ++i) {
        values[i] = params.nulls_[i] ? nullptr : params.values_[i].data();
        lengths[i] = static_cast<int>(params.values_[i].size());
    }
    auto run = [&] {
        return PgResult(PQexecParams(conn_, sql.c_str(), static_cast<int>(n), nullptr, values.data(), lengths.data(),
                                     params.formats_.data(), 0));
    };
    PgResult r = run();
    const auto status = PQresultStatus(r.get());
    if (first_ && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && broken()) {
        first_ = false;
        pool_->reconnect(*this);
        r = run();
    }
    first_ = false;
    check(r);
    return r;
}

void PgConnection::script(const std::string& sql) {
    first_ = false;
    PgResult r(PQexec(conn_, sql.c_str()));
    check(r);
}

void PgConnection::check(const PgResult& r) {
    auto* raw = r.get();
    const auto status = PQresultStatus(raw);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        std::string why = trimmed(raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_));
        if (why.empty()) why = trimmed(PQerrorMessage(conn_));
        throw StoreError(*name_ + ": " + why);
    }
}

bool PgConnection::broken() const { return !conn_ || PQstatus(conn_) != CONNECTION_OK; }

std::string describe_connection(const std::string& uri) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
    if (!options) {
        std::string why = trimmed(error ? error : "out of memory");
        PQfreemem(error);
        throw StoreError("PostgreSQL connection string: " + why);
    }
    std::string db, host, port, user;
    for (auto* o = options; o->keyword; ++o) {
        if (!o->val) continue;
        const std::string k = o->keyword;
        if (k == "dbname") db = o->val;
        if (k == "host") host = o->val;
        if (k == "port") port = o->val;
        if (k == "user") user = o->val;
    }
    PQconninfoFree(options);
    std::string out = "PostgreSQL database \"" + (db.empty() ? std::string("(default)") : db) + "\"";
    if (!host.empty()) out += " on " + host + (port.empty() ? "" : ":" + port);
    if (!user.empty()) out += " as " + user;
    return out;
}

PgPool::PgPool(const std::string& uri, std::size_t size) : uri_(uri), name_(describe_connection(uri)) {
    for (std::size_t i = 0; i < size; ++i) {
        auto* conn = connect();
        if (PQstatus(conn) != CONNECTION_OK) {
            const auto why = trimmed(PQerrorMessage(conn));
            PQfinish(conn);
            throw StoreError(name_ + ": cannot connect: " + why);
        }
        connections_.push_back(std::make_unique<Slot>(Slot{PgConnection(conn, &name_, this), false}));
    }
}

PgPool::~PgPool() {
    for (auto& s : connections_) PQfinish(s->connection.conn_);
}

pg_conn* PgPool::connect() {
    // The URI comes last so that what it says wins over these defaults.
    const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {default_connect_timeout_seconds, "keel-verifierd", uri_.c_str(), nullptr};
    return PQconnectdbParams(keywords, values, 1);
}

void PgPool::reconnect(PgConnection& connection) {
    std::lock_guard lock(reconnect_mutex_);
    if (!connection.broken()) return;
    const auto now = steady_ms();
    if (now < retry_at_ms_) throw StoreError(name_ + " is unavailable (retrying): " + last_error_);
    auto* conn = connect();
    if (PQstatus(conn) != CONNECTION_OK) {
        last_error_ = trimmed(PQerrorMessage(conn));
        PQfinish(conn);
        backoff_ms_ = backoff_ms_ ? std::min(backoff_ms_ * 2, longest_backoff_ms) : first_backoff_ms;
        retry_at_ms_ = now + backoff_ms_;
        throw StoreError(name_ + " is unavailable (retrying): " + last_error_);
    }
    PQfinish(connection.conn_);
    connection.conn_ = conn;
    backoff_ms_ = 0;
    retry_at_ms_ = 0;
}

PgPool::Handle PgPool::acquire() {
    std::size_t index = 0;
    {
        std::unique_lock lock(mutex_);
        auto free_slot = [&] {
            for (std::size_t i = 0; i < connections_.size(); ++i)
                if (!connections_[i]->busy) {
                    index = i;
                    return true;
                }
            return false;
        };
        released_.wait(lock, free_slot);
        connections_[index]->busy = true;
    }
    Handle h(*this, index);
    auto& connection = connections_[index]->connection;
    if (connection.broken()) reconnect(connection);
    connection.first_ = true;
    return h;
}

PgPool::Handle::~Handle() {
    if (!pool_) return;
    {
        std::lock_guard lock(pool_->mutex_);
        pool_->connections_[index_]->busy = false;
    }
    pool_->released_.notify_one();
}

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) { connection_.exec("BEGIN"); }

PgTransaction::~PgTransaction() {
    if (!open_ || connection_.broken()) return;
    try {
        connection_.exec("ROLLBACK");
    } catch (const StoreError&) {
        // The server ends an aborted transaction with the connection anyway.
    }
}

void PgTransaction::commit() {
    connection_.exec("COMMIT");
    open_ = false;
}

}  // namespace keel::verifierd
