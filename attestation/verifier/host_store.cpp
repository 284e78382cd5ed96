#include "attestation/verifier/host_store.hpp"

#include <filesystem>

#include "attestation/verifier/sqlite_library.hpp"
#include "attestation/verifier/sqlite_statement.hpp"
#include "attestation/verifier/store_schema.hpp"

namespace keel::verifier {

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
        // A verifier never adds a table to someone else's database; a Keel
        // store of an older version is migrated (store_schema.hpp).
        prepare_schema(db_, path_, create);
    } catch (...) {
        sqlite().close(db_);
        throw;
    }
}

HostStore::~HostStore() { sqlite().close(db_); }

void HostStore::enroll(const HostRecord& h, bool replace, const std::function<void()>& also) {
    // The checks and the insert in one IMMEDIATE transaction, so two
    // enrolments sharing the file cannot both pass the checks.
    Transaction t(db_, path_);
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
    if (const auto& doc = h.reference_document) {
        // Documents are never deleted, so one found here stays.
        Statement published(db_, "SELECT 1 FROM reference_documents WHERE name = ? AND version = ?", path_);
        published.bind(1, doc->name);
        published.bind(2, doc->version);
        if (!published.step()) throw UnknownReference(*doc);
    }
    Statement s(db_,
                "INSERT OR REPLACE INTO hosts (host_id, ek_public, ek_certificate, ak_public, ak_name, "
                "reference_json, policy_json, reference_name, reference_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                path_);
    s.bind(1, h.host_id);
    s.bind(2, h.ek_public);
    if (h.ek_certificate)
        s.bind(3, *h.ek_certificate);
    else
        s.bind_null(3);
    s.bind(4, h.ak_public);
    s.bind(5, h.ak_name);
    // A host that refers to a document keeps no copy of its values.
    s.bind(6, h.reference_document ? std::string() : h.reference_json);
    s.bind(7, h.policy_json);
    if (h.reference_document) {
        s.bind(8, h.reference_document->name);
        s.bind(9, h.reference_document->version);
    } else {
        s.bind_null(8);
        s.bind_null(9);
    }
    s.step();
    if (also) also();
    t.commit();
}

std::optional<HostRecord> HostStore::find(const std::string& host_id) {
    // A host that refers to a document is appraised against its values; a
    // reference without its document is a damaged store, never "no values".
    Statement s(db_,
                "SELECT h.host_id, h.ek_public, h.ek_certificate, h.ak_public, h.ak_name, "
                "CASE WHEN h.reference_name IS NULL THEN h.reference_json ELSE d.reference_json END, h.policy_json, "
                "h.last_clock, h.last_reset_count, h.last_restart_count, h.enrolled_at, h.last_verified_at, "
                "h.reference_name, h.reference_version FROM hosts h LEFT JOIN reference_documents d "
                "ON d.name = h.reference_name AND d.version = h.reference_version WHERE h.host_id = ?",
                path_);
    s.bind(1, host_id);
    if (!s.step()) return std::nullopt;
    HostRecord h;
    h.host_id = s.text(0);
    h.ek_public = s.blob(1);
    if (!s.is_null(2)) h.ek_certificate = s.blob(2);
    h.ak_public = s.blob(3);
    h.ak_name = s.blob(4);
    if (!s.is_null(12)) {
        h.reference_document = ReferenceName{s.text(12), s.text(13)};
        if (s.is_null(5))
            throw StoreError("host store " + path_ + ": host \"" + host_id + "\" refers to reference document " +
                             h.reference_document->label() + ", which the store does not hold");
    }
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
    // sharing the file cannot both accept out of order.
    Transaction t(db_, path_);
    const bool forward = record_quote_in_transaction(host_id, c);
    t.commit();
    return forward;
}

bool HostStore::record_quote_in_transaction(const std::string& host_id, const evidence::ClockInfo& c) {
    // The comparison is done here on unsigned values: SQLite's integers are
    // signed, and a TPM clock can be set beyond 2^63 ms.
    Statement read(db_, "SELECT last_clock, last_reset_count, last_restart_count FROM hosts WHERE host_id = ?", path_);
    read.bind(1, host_id);
    bool forward = read.step();
    if (forward && !read.is_null(0)) {
        const auto clock = static_cast<std::uint64_t>(read.integer(0));
        const auto reset = static_cast<std::uint32_t>(read.integer(1));
        const auto restart = static_cast<std::uint32_t>(read.integer(2));
        forward =
            c.reset_count > reset ||
            (c.reset_count == reset && (c.restart_count > restart || (c.restart_count == restart && c.clock >= clock)));
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
    return forward;
}

}  // namespace keel::verifier
