#include "attestation/verifier/host_store.hpp"

#include <filesystem>

#include "attestation/verifier/sqlite_library.hpp"

namespace keel::verifier {
namespace {

constexpr int schema_version = 1;

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS hosts (
    host_id TEXT PRIMARY KEY NOT NULL,
    ek_public BLOB NOT NULL,
    ek_certificate BLOB,
    ak_public BLOB NOT NULL,
    ak_name BLOB NOT NULL,
    reference_json TEXT NOT NULL,
    policy_json TEXT NOT NULL,
    last_clock INTEGER,
    last_reset_count INTEGER,
    last_restart_count INTEGER,
    enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_verified_at TEXT
);
)sql";

// A prepared statement, finalized however the call ends.
class Statement {
public:
    Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
        if (sqlite().prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
    }
    ~Statement() { sqlite().finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int i, const std::string& text) {
        check(sqlite().bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    }
    void bind(int i, const Bytes& blob) {
        check(sqlite().bind_blob(stmt_, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT));
    }
    void bind(int i, std::int64_t value) { check(sqlite().bind_int64(stmt_, i, value)); }
    void bind_null(int i) { check(sqlite().bind_null(stmt_, i)); }
    // True while there is a row.
    bool step() {
        int rc = sqlite().step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) fail("step");
        return false;
    }
    bool is_null(int col) { return sqlite().column_type(stmt_, col) == SQLITE_NULL; }
    std::string text(int col) {
        auto p = reinterpret_cast<const char*>(sqlite().column_text(stmt_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite().column_bytes(stmt_, col))) : std::string();
    }
    Bytes blob(int col) {
        auto p = static_cast<const std::uint8_t*>(sqlite().column_blob(stmt_, col));
        return p ? Bytes(p, p + sqlite().column_bytes(stmt_, col)) : Bytes();
    }
    std::int64_t integer(int col) { return sqlite().column_int64(stmt_, col); }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail("bind");
    }
    [[noreturn]] void fail(const char* what) {
        throw StoreError("host store " + path_ + ": " + what + ": " + sqlite().errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    const std::string& path_;
};

}  // namespace

HostStore::HostStore(const std::string& path, StoreOpening opening) : path_(path) {
    const bool create = opening == StoreOpening::create_if_missing;
    std::error_code ec;
    if (!create && !std::filesystem::exists(path, ec))
        throw StoreError("host store " + path + ": no such file (keel enroll creates a store; check --db)");
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite().open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        std::string why = db_ ? sqlite().errmsg(db_) : "out of memory";
        sqlite().close(db_);
        throw StoreError("host store " + path + ": cannot open: " + why);
    }
    // Verifiers for many hosts may share the file: wait for a writer rather than fail.
    sqlite().busy_timeout(db_, 5000);
    try {
        check_schema(create);
    } catch (...) {
        sqlite().close(db_);
        throw;
    }
}

// An empty database (a new file) gets the schema when the store may be
// created; anything else must already be a Keel host store of this version:
// a verifier never adds a table to someone else's database.
void HostStore::check_schema(bool create) {
    std::int64_t tables = 0, version = 0, hosts = 0;
    {
        Statement s(db_, "SELECT count(*) FROM sqlite_master", path_);
        s.step();
        tables = s.integer(0);
    }
    {
        Statement s(db_, "PRAGMA user_version", path_);
        s.step();
        version = s.integer(0);
    }
    if (tables == 0 && version == 0) {
        if (!create)
            throw StoreError("host store " + path_ +
                             ": an empty file, not a Keel host store (keel enroll "
                             "creates one)");
        return create_schema();
    }
    {
        Statement s(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'hosts'", path_);
        s.step();
        hosts = s.integer(0);
    }
    if (hosts != 1 || version == 0)
        throw StoreError("host store " + path_ + ": an SQLite database, but not a Keel host store");
    if (version != schema_version)
        throw StoreError("host store " + path_ + ": schema version " + std::to_string(version) +
                         " is not the version this keel reads (" + std::to_string(schema_version) + ")");
}

void HostStore::create_schema() {
    char* error = nullptr;
    const std::string sql = std::string(schema) + "PRAGMA user_version = " + std::to_string(schema_version) + ";";
    if (sqlite().exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string why = error ? error : "unknown error";
        sqlite().free(error);
        throw StoreError("host store " + path_ + ": cannot create the tables: " + why);
    }
}

HostStore::~HostStore() { sqlite().close(db_); }

void HostStore::enroll(const HostRecord& h, bool replace) {
    // The checks and the insert in one IMMEDIATE transaction, so two
    // enrolments sharing the file cannot both pass the checks.
    if (sqlite().exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw StoreError("host store " + path_ + ": cannot begin a transaction: " + sqlite().errmsg(db_));
    try {
        Statement taken(db_, "SELECT 1 FROM hosts WHERE host_id = ?", path_);
        taken.bind(1, h.host_id);
        if (!replace && taken.step())
            throw EnrollmentConflict("host \"" + h.host_id + "\" is already enrolled in " + path_ +
                                     " (--replace enrols it again)");
        // One TPM is one host: under two ids, a quote from it would be
        // trusted as either host's.
        Statement same_ek(db_, "SELECT host_id FROM hosts WHERE ek_public = ? AND host_id != ?", path_);
        same_ek.bind(1, h.ek_public);
        same_ek.bind(2, h.host_id);
        if (same_ek.step())
            throw EnrollmentConflict("this EK is already enrolled as host \"" + same_ek.text(0) + "\" in " + path_ +
                                     ": one TPM cannot be two hosts (--replace with --host-id " + same_ek.text(0) +
                                     " enrols it again)");
        Statement s(db_,
                    "INSERT OR REPLACE INTO hosts (host_id, ek_public, ek_certificate, ak_public, ak_name, "
                    "reference_json, policy_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    path_);
        s.bind(1, h.host_id);
        s.bind(2, h.ek_public);
        if (h.ek_certificate)
            s.bind(3, *h.ek_certificate);
        else
            s.bind_null(3);
        s.bind(4, h.ak_public);
        s.bind(5, h.ak_name);
        s.bind(6, h.reference_json);
        s.bind(7, h.policy_json);
        s.step();
        if (sqlite().exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            throw StoreError("host store " + path_ + ": cannot commit: " + sqlite().errmsg(db_));
    } catch (...) {
        sqlite().exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::optional<HostRecord> HostStore::find(const std::string& host_id) {
    Statement s(db_,
                "SELECT host_id, ek_public, ek_certificate, ak_public, ak_name, reference_json, policy_json, "
                "last_clock, last_reset_count, last_restart_count, enrolled_at, last_verified_at "
                "FROM hosts WHERE host_id = ?",
                path_);
    s.bind(1, host_id);
    if (!s.step()) return std::nullopt;
    HostRecord h;
    h.host_id = s.text(0);
    h.ek_public = s.blob(1);
    if (!s.is_null(2)) h.ek_certificate = s.blob(2);
    h.ak_public = s.blob(3);
    h.ak_name = s.blob(4);
    h.reference_json = s.text(5);
    h.policy_json = s.text(6);
    if (!s.is_null(7)) {
        evidence::ClockInfo c;
        c.clock = static_cast<std::uint64_t>(s.integer(7));
        c.reset_count = static_cast<std::uint32_t>(s.integer(8));
        c.restart_count = static_cast<std::uint32_t>(s.integer(9));
        c.safe = true;
        h.last_clock = c;
    }
    h.enrolled_at = s.text(10);
    h.last_verified_at = s.text(11);
    return h;
}

std::vector<std::string> HostStore::host_ids() {
    Statement s(db_, "SELECT host_id FROM hosts ORDER BY host_id", path_);
    std::vector<std::string> ids;
    while (s.step()) ids.push_back(s.text(0));
    return ids;
}

bool HostStore::record_quote(const std::string& host_id, const evidence::ClockInfo& c) {
    // Read, compare and write in one IMMEDIATE transaction, so two verifiers
    // sharing the file cannot both accept out of order. The comparison is
    // done here on unsigned values: SQLite's integers are signed, and a TPM
    // clock can be set beyond 2^63 ms.
    if (sqlite().exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw StoreError("host store " + path_ + ": cannot begin a transaction: " + sqlite().errmsg(db_));
    try {
        Statement read(db_, "SELECT last_clock, last_reset_count, last_restart_count FROM hosts WHERE host_id = ?",
                       path_);
        read.bind(1, host_id);
        bool forward = read.step();
        if (forward && !read.is_null(0)) {
            const auto clock = static_cast<std::uint64_t>(read.integer(0));
            const auto reset = static_cast<std::uint32_t>(read.integer(1));
            const auto restart = static_cast<std::uint32_t>(read.integer(2));
            forward = c.reset_count > reset ||
                      (c.reset_count == reset &&
                       (c.restart_count > restart || (c.restart_count == restart && c.clock >= clock)));
        }
        if (forward) {
            Statement write(db_,
                            "UPDATE hosts SET last_clock = ?, last_reset_count = ?, last_restart_count = ?, "
                            "last_verified_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE host_id = ?",
                            path_);
            write.bind(1, static_cast<std::int64_t>(c.clock));  // the bits; read back as unsigned
            write.bind(2, static_cast<std::int64_t>(c.reset_count));
            write.bind(3, static_cast<std::int64_t>(c.restart_count));
            write.bind(4, host_id);
            write.step();
        }
        if (sqlite().exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            throw StoreError("host store " + path_ + ": cannot commit: " + sqlite().errmsg(db_));
        return forward;
    } catch (...) {
        sqlite().exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace keel::verifier
