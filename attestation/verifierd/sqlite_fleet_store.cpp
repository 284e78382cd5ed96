#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "attestation/verifierd/nonce_book.hpp"

#include <algorithm>

#include "attestation/verifier/sqlite_statement.hpp"
#include "attestation/verifier/store_schema.hpp"

namespace keel::verifierd {

using verifier::Statement;
using verifier::Transaction;

constexpr Millis forgotten_after_ms = 24 * 3600 * 1000;

SqliteFleetStore::SqliteFleetStore(const std::string& path) : store_(path, verifier::StoreOpening::create_if_missing) {
    // Every appraisal is a transaction. In SQLite's default rollback-journal
    // mode each commit costs several fsyncs (journal, database, journal
    // again); with a write-ahead log it is one append and one fsync, still
    // durable (synchronous stays FULL), and readers (keel verify, /v1/hosts)
    // do not wait for the writer. The mode is kept in the file.
    Statement wal(store_.connection(), "PRAGMA journal_mode = WAL", store_.path());
    if (!wal.step() || wal.text(0) != "wal")
        throw StoreError("host store " + store_.path() + ": cannot switch to write-ahead logging");
}

void SqliteFleetStore::enroll(const FleetHost& host, bool replace) {
    std::lock_guard lock(mutex_);
    store_.enroll(host.record, replace, [&] {
        Statement s(
            store_.connection(),
            "UPDATE hosts SET mode = ?, agent_url = ?, interval_seconds = ?, state = 'pending', enrolled_ms = ?, "
            "last_attested_ms = NULL, last_attempt_ms = NULL, last_error = NULL, next_due_ms = ?, "
            "lease_owner = NULL, lease_expires_ms = NULL WHERE host_id = ?",
            store_.path());
        const auto now = now_ms();
        s.bind(1, std::string(mode_name(host.mode)));
        s.bind(2, host.agent_url);
        s.bind(3, static_cast<std::int64_t>(host.interval.count()));
        s.bind(4, now);
        s.bind(5, now);  // due at once
        s.bind(6, host.record.host_id);
        s.step();
    });
}

std::vector<FleetHost> SqliteFleetStore::select_hosts(const std::string* host_id) {
    std::vector<FleetHost> out;
    {
        Statement s(store_.connection(),
                    host_id ? "SELECT host_id, mode, agent_url, interval_seconds, state, last_attested_ms, "
                              "last_attempt_ms, last_error, next_due_ms FROM hosts WHERE host_id = ?"
                            : "SELECT host_id, mode, agent_url, interval_seconds, state, last_attested_ms, "
                              "last_attempt_ms, last_error, next_due_ms FROM hosts ORDER BY host_id",
                    store_.path());
        if (host_id) s.bind(1, *host_id);
        while (s.step()) {
            FleetHost h;
            h.record.host_id = s.text(0);
            auto mode = parse_mode(s.text(1));
            if (!mode) throw StoreError("host \"" + h.record.host_id + "\": unknown mode \"" + s.text(1) + "\"");
            h.mode = *mode;
            h.agent_url = s.text(2);
            h.interval = std::chrono::seconds(s.integer(3));
            h.state = parse_state(s.text(4));
            if (!s.is_null(5)) h.last_attested = s.integer(5);
            if (!s.is_null(6)) h.last_attempt = s.integer(6);
            h.last_error = s.text(7);
            if (!s.is_null(8)) h.next_due = s.integer(8);
            out.push_back(std::move(h));
        }
    }
    for (auto& h : out) {
        auto record = store_.find(h.record.host_id);
        if (record) h.record = std::move(*record);
    }
    return out;
}

std::optional<FleetHost> SqliteFleetStore::host(const std::string& host_id) {
    std::lock_guard lock(mutex_);
    auto found = select_hosts(&host_id);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<FleetHost> SqliteFleetStore::hosts() {
    std::lock_guard lock(mutex_);
    return select_hosts(nullptr);
}

std::vector<PublishedReference> SqliteFleetStore::select_references(const ReferenceName* id) {
    Statement s(store_.connection(),
                id ? "SELECT name, version, document, digest, reference_json, publisher, issued_at, published_ms "
                     "FROM reference_documents WHERE name = ? AND version = ?"
                   : "SELECT name, version, document, digest, reference_json, publisher, issued_at, published_ms "
                     "FROM reference_documents ORDER BY name, version",
                store_.path());
    if (id) {
        s.bind(1, id->name);
        s.bind(2, id->version);
    }
    std::vector<PublishedReference> out;
    while (s.step()) {
        PublishedReference r;
        r.id = {s.text(0), s.text(1)};
        r.document = s.text(2);
        r.digest = s.text(3);
        r.reference_json = s.text(4);
        r.publisher = s.text(5);
        r.issued_at = s.integer(6);
        r.published = s.integer(7);
        out.push_back(std::move(r));
    }
    return out;
}

void SqliteFleetStore::require_reference(const ReferenceName& id) {
    Statement s(store_.connection(), "SELECT 1 FROM reference_documents WHERE name = ? AND version = ?", store_.path());
    s.bind(1, id.name);
    s.bind(2, id.version);
    if (!s.step()) throw UnknownReference(id);
}

Publication SqliteFleetStore::publish_reference(const PublishedReference& d) {
    std::lock_guard lock(mutex_);
    // The look-up and the insert in one IMMEDIATE transaction: two
    // publishers of one name and version cannot both store theirs.
    Transaction t(store_.connection(), store_.path());
    if (auto there = select_references(&d.id); !there.empty()) {
        if (there.front().document == d.document) return Publication::already_there;
        throw ReferenceConflict("reference document " + d.id.label() + " is already published as another document (" +
                                there.front().digest +
                                "); a published document is never replaced: publish the "
                                "new one under a new version");
    }
    Statement s(store_.connection(),
                "INSERT INTO reference_documents (name, version, document, digest, reference_json, publisher, "
                "issued_at, published_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                store_.path());
    s.bind(1, d.id.name);
    s.bind(2, d.id.version);
    s.bind(3, d.document);
    s.bind(4, d.digest);
    s.bind(5, d.reference_json);
    s.bind(6, d.publisher);
    s.bind(7, d.issued_at);
    s.bind(8, now_ms());
    s.step();
    t.commit();
    return Publication::stored;
}

std::optional<PublishedReference> SqliteFleetStore::reference(const ReferenceName& id) {
    std::lock_guard lock(mutex_);
    auto found = select_references(&id);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<PublishedReference> SqliteFleetStore::references() {
    std::lock_guard lock(mutex_);
    return select_references(nullptr);
}

void SqliteFleetStore::refer_hosts(const std::vector<std::string>& host_ids, const ReferenceName& to) {
    std::lock_guard lock(mutex_);
    Transaction t(store_.connection(), store_.path());
    require_reference(to);
    for (const auto& id : host_ids) {
        Statement s(store_.connection(),
                    "UPDATE hosts SET reference_name = ?, reference_version = ?, reference_json = '' "
                    "WHERE host_id = ? RETURNING host_id",
                    store_.path());
        s.bind(1, to.name);
        s.bind(2, to.version);
        s.bind(3, id);
        if (!s.step()) throw UnknownHost("host \"" + id + "\" is not enrolled");
    }
    t.commit();
}

std::vector<std::string> SqliteFleetStore::move_references(const ReferenceName& from, const ReferenceName& to) {
    std::lock_guard lock(mutex_);
    Transaction t(store_.connection(), store_.path());
    require_reference(to);
    Statement s(store_.connection(),
                "UPDATE hosts SET reference_name = ?, reference_version = ? "
                "WHERE reference_name = ? AND reference_version = ? RETURNING host_id",
                store_.path());
    s.bind(1, to.name);
    s.bind(2, to.version);
    s.bind(3, from.name);
    s.bind(4, from.version);
    std::vector<std::string> moved;
    while (s.step()) moved.push_back(s.text(0));
    t.commit();
    std::sort(moved.begin(), moved.end());
    return moved;
}

void SqliteFleetStore::settle_lease(const std::string& host_id, const Lease& lease) {
    Statement s(store_.connection(),
                "UPDATE hosts SET lease_owner = NULL, lease_expires_ms = NULL, next_due_ms = ? "
                "WHERE host_id = ? AND lease_owner = ? RETURNING host_id",
                store_.path());
    s.bind(1, lease.next_due);
    s.bind(2, host_id);
    s.bind(3, lease.instance);
    if (!s.step()) throw LeaseLost("host \"" + host_id + "\" is no longer leased to instance " + lease.instance);
}

// Group commit: each appraisal waits until a transaction holding it has
// committed (so the agent is answered only once its appraisal is durable),
// and one commit, one fsync, keeps every appraisal that arrived while the
// previous commit was being written. Whoever finds no commit under way
// writes the waiting batch; the others wait for it. Each appraisal is its
// own savepoint, so one that fails (a lost lease, a host removed) fails
// alone, and a failed commit fails every appraisal of its batch.
Appraisal SqliteFleetStore::record_appraisal(Appraisal a, const std::optional<evidence::ClockInfo>& clock,
                                             const Lease* lease) {
    PendingAppraisal job{std::move(a), clock, lease, false, nullptr};
    std::unique_lock lock(group_mutex_);
    pending_.push_back(&job);
    while (!job.done) {
        if (committing_) {
            committed_.wait(lock);
            continue;
        }
        committing_ = true;
        std::vector<PendingAppraisal*> batch;
        batch.swap(pending_);
        lock.unlock();
        commit_batch(batch);
        lock.lock();
        for (auto* j : batch) j->done = true;
        committing_ = false;
        committed_.notify_all();
    }
    if (job.error) std::rethrow_exception(job.error);
    return std::move(job.appraisal);
}

void SqliteFleetStore::commit_batch(const std::vector<PendingAppraisal*>& batch) {
    std::exception_ptr failed;
    try {
        std::lock_guard lock(mutex_);
        auto* db = store_.connection();
        const auto& path = store_.path();
        Transaction t(db, path);
        for (auto* job : batch) {
            verifier::execute(db, "SAVEPOINT appraisal", path, "savepoint");
            try {
                write_appraisal(job->appraisal, job->clock, job->lease);
                verifier::execute(db, "RELEASE appraisal", path, "savepoint");
            } catch (...) {
                job->error = std::current_exception();
                verifier::execute(db, "ROLLBACK TO appraisal", path, "savepoint");
                verifier::execute(db, "RELEASE appraisal", path, "savepoint");
            }
        }
        t.commit();
    } catch (...) { failed = std::current_exception(); }
    if (failed)
        for (auto* job : batch) job->error = failed;
}

// Inside commit_batch's transaction (mutex_ held).
void SqliteFleetStore::write_appraisal(Appraisal& a, const std::optional<evidence::ClockInfo>& clock,
                                       const Lease* lease) {
    auto* db = store_.connection();
    const auto& path = store_.path();
    {
        Statement enrolled(db, "SELECT 1 FROM hosts WHERE host_id = ?", path);
        enrolled.bind(1, a.host_id);
        if (!enrolled.step()) throw StoreError("host \"" + a.host_id + "\" is not enrolled");
    }
    if (lease) settle_lease(a.host_id, *lease);
    // The counters move forward in the same transaction as the appraisal is
    // kept: two verifiers sharing the file cannot both accept out of order.
    if (a.verdict == "trusted" && clock && !store_.record_quote_in_transaction(a.host_id, *clock)) {
        a.verdict = "not-trusted";
        const std::string why = "a quote with later counters was accepted for this host meanwhile";
        bool found = false;
        for (auto& c : a.checks)
            if (c.id == "quote.clock") {
                c = {c.id, "fail", why};
                found = true;
            }
        if (!found) a.checks.push_back({"quote.clock", "fail", why});
    }
    {
        Statement s(db,
                    "INSERT INTO appraisals (host_id, at_ms, nonce, verdict, mode, duration_us, instance, reference) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    path);
        s.bind(1, a.host_id);
        s.bind(2, a.at);
        s.bind(3, a.nonce);
        s.bind(4, a.verdict);
        s.bind(5, std::string(mode_name(a.mode)));
        s.bind(6, a.duration_us);
        s.bind(7, a.instance);
        if (a.reference.empty())
            s.bind_null(8);
        else
            s.bind(8, a.reference);
        s.step();
    }
    {
        Statement s(db, "SELECT last_insert_rowid()", path);
        s.step();
        a.id = s.integer(0);
    }
    for (std::size_t i = 0; i < a.checks.size(); ++i) {
        Statement s(db,
                    "INSERT INTO appraisal_checks (appraisal_id, position, check_id, status, message) "
                    "VALUES (?, ?, ?, ?, ?)",
                    path);
        s.bind(1, a.id);
        s.bind(2, static_cast<std::int64_t>(i));
        s.bind(3, a.checks[i].id);
        s.bind(4, a.checks[i].status);
        s.bind(5, a.checks[i].message);
        s.step();
    }
    {
        Statement s(db,
                    "UPDATE hosts SET state = ?, last_attested_ms = ?, last_attempt_ms = ?, last_error = NULL "
                    "WHERE host_id = ?",
                    path);
        s.bind(1, std::string(a.verdict == "trusted" ? "trusted" : "not-trusted"));
        s.bind(2, a.at);
        s.bind(3, a.at);
        s.bind(4, a.host_id);
        s.step();
    }
}

void SqliteFleetStore::record_failed_attempt(const std::string& host_id, Millis at, const std::string& error,
                                             const Lease* lease) {
    std::lock_guard lock(mutex_);
    Transaction t(store_.connection(), store_.path());
    if (lease) settle_lease(host_id, *lease);
    Statement s(store_.connection(), "UPDATE hosts SET last_attempt_ms = ?, last_error = ? WHERE host_id = ?",
                store_.path());
    s.bind(1, at);
    s.bind(2, error);
    s.bind(3, host_id);
    s.step();
    t.commit();
}

void SqliteFleetStore::heartbeat(const std::string& instance, Millis now) {
    std::lock_guard lock(mutex_);
    {
        // The rows of instances silent for a day (killed, never back) go too.
        Statement gone(store_.connection(), "DELETE FROM verifier_instances WHERE heartbeat_ms < ?", store_.path());
        gone.bind(1, now - forgotten_after_ms);
        gone.step();
    }
    Statement s(store_.connection(),
                "INSERT INTO verifier_instances (instance_id, started_ms, heartbeat_ms) VALUES (?, ?, ?) "
                "ON CONFLICT (instance_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
                store_.path());
    s.bind(1, instance);
    s.bind(2, now);
    s.bind(3, now);
    s.step();
}

void SqliteFleetStore::leave(const std::string& instance) {
    std::lock_guard lock(mutex_);
    Transaction t(store_.connection(), store_.path());
    {
        Statement s(store_.connection(), "DELETE FROM verifier_instances WHERE instance_id = ?", store_.path());
        s.bind(1, instance);
        s.step();
    }
    Statement s(store_.connection(),
                "UPDATE hosts SET lease_owner = NULL, lease_expires_ms = NULL WHERE lease_owner = ?", store_.path());
    s.bind(1, instance);
    s.step();
    t.commit();
}

std::vector<std::string> SqliteFleetStore::live_instances(Millis alive_since) {
    std::lock_guard lock(mutex_);
    Statement s(store_.connection(),
                "SELECT instance_id FROM verifier_instances WHERE heartbeat_ms >= ? ORDER BY instance_id",
                store_.path());
    s.bind(1, alive_since);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
}

std::vector<FleetHost> SqliteFleetStore::claim_due_hosts(const std::string& instance, Millis now,
                                                         Millis pull_timeout_ms, Millis alive_since,
                                                         std::size_t limit) {
    std::lock_guard lock(mutex_);
    // The IMMEDIATE transaction holds the file's write lock from the start:
    // a second process claiming at the same time waits, then sees the leases.
    Transaction t(store_.connection(), store_.path());
    std::vector<std::string> ids;
    {
        Statement s(store_.connection(),
                    "UPDATE hosts SET lease_owner = ?, lease_expires_ms = ? + min(interval_seconds * 1000, ?) + ? "
                    "WHERE host_id IN ("
                    "SELECT host_id FROM hosts WHERE mode = 'pull' AND coalesce(next_due_ms, 0) <= ? AND "
                    "(lease_owner IS NULL OR lease_expires_ms < ? OR lease_owner NOT IN "
                    "(SELECT instance_id FROM verifier_instances WHERE heartbeat_ms >= ?)) "
                    "ORDER BY next_due_ms LIMIT ?) RETURNING host_id",
                    store_.path());
        s.bind(1, instance);
        s.bind(2, now);
        s.bind(3, pull_timeout_ms);
        s.bind(4, lease_margin_ms);
        s.bind(5, now);
        s.bind(6, now);
        s.bind(7, alive_since);
        s.bind(8, static_cast<std::int64_t>(limit));
        while (s.step()) ids.push_back(s.text(0));
    }
    std::vector<FleetHost> out;
    for (const auto& id : ids) {
        auto found = select_hosts(&id);
        if (!found.empty()) out.push_back(std::move(found.front()));
    }
    t.commit();
    return out;
}

std::vector<std::string> SqliteFleetStore::mark_silent_hosts_unreachable(Millis now, unsigned intervals,
                                                                         Millis watching_since) {
    std::lock_guard lock(mutex_);
    // One statement decides, for every host at once: an appraisal recorded
    // meanwhile (by another thread or process) keeps its host reachable, and
    // a fleet of thousands costs one write a second, not thousands.
    Statement s(store_.connection(),
                "UPDATE hosts SET state = 'unreachable' WHERE mode != 'manual' AND state != 'unreachable' AND "
                "max(coalesce(last_attested_ms, enrolled_ms, 0), ?) < ? - interval_seconds * 1000 * ? "
                "RETURNING host_id",
                store_.path());
    s.bind(1, watching_since);
    s.bind(2, now);
    s.bind(3, static_cast<std::int64_t>(intervals));
    std::vector<std::string> marked;
    while (s.step()) marked.push_back(s.text(0));
    return marked;
}

std::vector<Appraisal> SqliteFleetStore::appraisals(const std::string& host_id, std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto* db = store_.connection();
    std::vector<Appraisal> out;
    {
        Statement s(db,
                    "SELECT id, host_id, at_ms, nonce, verdict, mode, duration_us, instance, reference "
                    "FROM appraisals WHERE host_id = ? ORDER BY id DESC LIMIT ?",
                    store_.path());
        s.bind(1, host_id);
        s.bind(2, static_cast<std::int64_t>(limit));
        while (s.step()) {
            Appraisal a;
            a.id = s.integer(0);
            a.host_id = s.text(1);
            a.at = s.integer(2);
            a.nonce = s.blob(3);
            a.verdict = s.text(4);
            a.mode = parse_mode(s.text(5)).value_or(AttestMode::manual);
            a.duration_us = s.integer(6);
            a.instance = s.text(7);
            a.reference = s.text(8);
            out.push_back(std::move(a));
        }
    }
    for (auto& a : out) {
        Statement s(db,
                    "SELECT check_id, status, message FROM appraisal_checks WHERE appraisal_id = ? "
                    "ORDER BY position",
                    store_.path());
        s.bind(1, a.id);
        while (s.step()) a.checks.push_back({s.text(0), s.text(1), s.text(2)});
    }
    return out;
}

std::int64_t SqliteFleetStore::appraisal_count() {
    std::lock_guard lock(mutex_);
    Statement s(store_.connection(), "SELECT count(*) FROM appraisals", store_.path());
    s.step();
    return s.integer(0);
}

int SqliteFleetStore::schema_version() {
    std::lock_guard lock(mutex_);
    return verifier::schema_version(store_.connection(), store_.path());
}

void SqliteFleetStore::check_health() {
    std::lock_guard lock(mutex_);
    Statement s(store_.connection(), "SELECT count(*) FROM hosts", store_.path());
    s.step();
}

std::unique_ptr<NonceStore> SqliteFleetStore::nonce_store(std::chrono::seconds lifetime, std::size_t per_host) {
    return std::make_unique<NonceBook>(lifetime, per_host);
}

}  // namespace keel::verifierd
