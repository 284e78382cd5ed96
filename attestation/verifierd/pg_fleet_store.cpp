#include "attestation/verifierd/pg_fleet_store.hpp"
#include "attestation/verifierd/pg_nonce_store.hpp"

#include <algorithm>
#include <map>

#include "attestation/verifierd/pg_schema.hpp"

namespace keel::verifierd {
namespace {

// Every enrolment takes this advisory lock: the EK check and the insert of
// two concurrent enrolments cannot interleave (one TPM, one host id).
constexpr std::int64_t enrolment_lock = 0x6b65656c0002;  // "keel", 2

constexpr Millis forgotten_after_ms = 24 * 3600 * 1000;

// Qualified, so that the same list serves a SELECT and an UPDATE's
// RETURNING with another table in FROM. A host that refers to a reference
// document is appraised against the document's values (column 13).
constexpr const char* host_columns =
    "hosts.host_id, hosts.mode, hosts.agent_url, hosts.interval_seconds, hosts.state, hosts.last_attested_ms, "
    "hosts.last_attempt_ms, hosts.last_error, hosts.next_due_ms, hosts.ek_public, hosts.ek_certificate, "
    "hosts.ak_public, hosts.ak_name, CASE WHEN hosts.reference_name IS NULL THEN hosts.reference_json ELSE "
    "(SELECT d.reference_json FROM reference_documents d WHERE d.name = hosts.reference_name AND "
    "d.version = hosts.reference_version) END, hosts.policy_json, hosts.last_clock, hosts.last_reset_count, "
    "hosts.last_restart_count, hosts.enrolled_at, hosts.last_verified_at, hosts.reference_name, "
    "hosts.reference_version";

constexpr const char* reference_columns =
    "name, version, document, digest, reference_json, publisher, issued_at, published_ms";

FleetHost host_from_row(const PgResult& r, int row) {
    FleetHost h;
    auto& rec = h.record;
    rec.host_id = r.text(row, 0);
    auto mode = parse_mode(r.text(row, 1));
    if (!mode) throw StoreError("host \"" + rec.host_id + "\": unknown mode \"" + r.text(row, 1) + "\"");
    h.mode = *mode;
    h.agent_url = r.text(row, 2);
    h.interval = std::chrono::seconds(r.integer(row, 3));
    h.state = parse_state(r.text(row, 4));
    if (!r.is_null(row, 5)) h.last_attested = r.integer(row, 5);
    if (!r.is_null(row, 6)) h.last_attempt = r.integer(row, 6);
    h.last_error = r.text(row, 7);
    if (!r.is_null(row, 8)) h.next_due = r.integer(row, 8);
    rec.ek_public = r.bytes(row, 9);
    if (!r.is_null(row, 10)) rec.ek_certificate = r.bytes(row, 10);
    rec.ak_public = r.bytes(row, 11);
    rec.ak_name = r.bytes(row, 12);
    if (!r.is_null(row, 20)) {
        rec.reference_document = ReferenceName{r.text(row, 20), r.text(row, 21)};
        if (r.is_null(row, 13))
            throw StoreError("host \"" + rec.host_id + "\" refers to reference document " +
                             rec.reference_document->label() + ", which the store does not hold");
    }
    rec.reference_json = r.text(row, 13);
    rec.policy_json = r.text(row, 14);
    if (!r.is_null(row, 15)) {
        // The bits of an unsigned 64-bit clock, kept in a signed BIGINT.
        evidence::ClockInfo c;
        c.clock = static_cast<std::uint64_t>(r.integer(row, 15));
        c.reset_count = static_cast<std::uint32_t>(r.integer(row, 16));
        c.restart_count = static_cast<std::uint32_t>(r.integer(row, 17));
        c.safe = true;
        rec.last_clock = c;
    }
    rec.enrolled_at = r.text(row, 18);
    rec.last_verified_at = r.text(row, 19);
    return h;
}

std::vector<FleetHost> hosts_from(const PgResult& r) {
    std::vector<FleetHost> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(host_from_row(r, i));
    return out;
}

std::vector<PublishedReference> references_from(const PgResult& r) {
    std::vector<PublishedReference> out;
    for (int i = 0; i < r.rows(); ++i) {
        PublishedReference d;
        d.id = {r.text(i, 0), r.text(i, 1)};
        d.document = r.text(i, 2);
        d.digest = r.text(i, 3);
        d.reference_json = r.text(i, 4);
        d.publisher = r.text(i, 5);
        d.issued_at = r.integer(i, 6);
        d.published = r.integer(i, 7);
        out.push_back(std::move(d));
    }
    return out;
}

void require_reference(PgConnection& c, const ReferenceName& id) {
    // FOR SHARE: the row cannot go while the transaction that refers to it
    // runs (none is ever deleted; the foreign key says so too).
    if (c.exec("SELECT 1 FROM reference_documents WHERE name = $1 AND version = $2 FOR SHARE",
               PgParams().text(id.name).text(id.version))
            .rows() == 0)
        throw UnknownReference(id);
}

}  // namespace

PgFleetStore::PgFleetStore(const std::string& uri, std::size_t connections) : pool_(uri, connections) {
    auto c = pool_.acquire();
    prepare_pg_schema(*c, pool_.name());
}

void PgFleetStore::enroll(const FleetHost& host, bool replace) {
    const auto& h = host.record;
    auto c = pool_.acquire();
    PgTransaction t(*c);
    c->exec("SELECT pg_advisory_xact_lock($1)", PgParams().integer(enrolment_lock));
    if (!replace && c->exec("SELECT 1 FROM hosts WHERE host_id = $1", PgParams().text(h.host_id)).rows() > 0)
        throw verifier::EnrollmentConflict("host \"" + h.host_id + "\" is already enrolled in " + pool_.name() +
                                           " (replace enrols it again)");
    // One TPM is one host: under two ids, a quote from it would be trusted
    // as either host's.
    auto same_ek = c->exec("SELECT host_id FROM hosts WHERE ek_public = $1 AND host_id <> $2",
                           PgParams().bytes(h.ek_public).text(h.host_id));
    if (same_ek.rows() > 0)
        throw verifier::EnrollmentConflict("this EK is already enrolled as host \"" + same_ek.text(0, 0) + "\" in " +
                                           pool_.name() + ": one TPM cannot be two hosts");
    if (h.reference_document) require_reference(*c, *h.reference_document);
    // Enrolled again: a new record, its counters and schedule start over.
    c->exec("DELETE FROM hosts WHERE host_id = $1", PgParams().text(h.host_id));
    PgParams p;
    p.text(h.host_id).bytes(h.ek_public);
    if (h.ek_certificate)
        p.bytes(*h.ek_certificate);
    else
        p.null();
    const auto now = now_ms();
    // A host that refers to a document keeps no copy of its values.
    p.bytes(h.ak_public).bytes(h.ak_name).text(h.reference_document ? std::string() : h.reference_json);
    p.text(h.policy_json);
    p.text(mode_name(host.mode)).text(host.agent_url).integer(host.interval.count()).integer(now);
    if (h.reference_document)
        p.text(h.reference_document->name).text(h.reference_document->version);
    else
        p.null().null();
    c->exec("INSERT INTO hosts (host_id, ek_public, ek_certificate, ak_public, ak_name, reference_json, policy_json, "
            "mode, agent_url, interval_seconds, state, enrolled_ms, next_due_ms, reference_name, reference_version) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $11, $12, $13)",
            p);
    t.commit();
}

std::optional<FleetHost> PgFleetStore::host(const std::string& host_id) {
    auto c = pool_.acquire();
    auto found = hosts_from(
        c->exec(std::string("SELECT ") + host_columns + " FROM hosts WHERE host_id = $1", PgParams().text(host_id)));
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<FleetHost> PgFleetStore::hosts() {
    auto c = pool_.acquire();
    return hosts_from(c->exec(std::string("SELECT ") + host_columns + " FROM hosts ORDER BY host_id"));
}

Publication PgFleetStore::publish_reference(const PublishedReference& d) {
    auto c = pool_.acquire();
    // Two publishers of one name and version: the second insert waits for
    // the first to commit, then finds its row and compares.
    auto inserted = c->exec("INSERT INTO reference_documents (name, version, document, digest, reference_json, "
                            "publisher, issued_at, published_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                            "ON CONFLICT (name, version) DO NOTHING",
                            PgParams()
                                .text(d.id.name)
                                .text(d.id.version)
                                .text(d.document)
                                .text(d.digest)
                                .text(d.reference_json)
                                .text(d.publisher)
                                .integer(d.issued_at)
                                .integer(now_ms()));
    if (inserted.affected() == 1) return Publication::stored;
    auto there = references_from(c->exec(std::string("SELECT ") + reference_columns +
                                             " FROM reference_documents WHERE name = $1 AND version = $2",
                                         PgParams().text(d.id.name).text(d.id.version)));
    if (!there.empty() && there.front().document == d.document) return Publication::already_there;
    throw ReferenceConflict("reference document " + d.id.label() + " is already published as another document (" +
                            (there.empty() ? std::string("?") : there.front().digest) +
                            "); a published document is never replaced: publish the new one under a new version");
}

std::optional<PublishedReference> PgFleetStore::reference(const ReferenceName& id) {
    auto c = pool_.acquire();
    auto found = references_from(c->exec(std::string("SELECT ") + reference_columns +
                                             " FROM reference_documents WHERE name = $1 AND version = $2",
                                         PgParams().text(id.name).text(id.version)));
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<PublishedReference> PgFleetStore::references() {
    auto c = pool_.acquire();
    return references_from(c->exec(std::string("SELECT ") + reference_columns +
                                   " FROM reference_documents ORDER BY name COLLATE \"C\", version COLLATE \"C\""));
}

void PgFleetStore::refer_hosts(const std::vector<std::string>& host_ids, const ReferenceName& to) {
    auto c = pool_.acquire();
    PgTransaction t(*c);
    require_reference(*c, to);
    for (const auto& id : host_ids) {
        auto r = c->exec("UPDATE hosts SET reference_name = $1, reference_version = $2, reference_json = '' "
                         "WHERE host_id = $3",
                         PgParams().text(to.name).text(to.version).text(id));
        if (r.affected() != 1) throw UnknownHost("host \"" + id + "\" is not enrolled");
    }
    t.commit();
}

std::vector<std::string> PgFleetStore::move_references(const ReferenceName& from, const ReferenceName& to) {
    auto c = pool_.acquire();
    PgTransaction t(*c);
    require_reference(*c, to);
    auto r = c->exec("UPDATE hosts SET reference_name = $1, reference_version = $2 "
                     "WHERE reference_name = $3 AND reference_version = $4 RETURNING host_id",
                     PgParams().text(to.name).text(to.version).text(from.name).text(from.version));
    t.commit();
    std::vector<std::string> moved;
    for (int i = 0; i < r.rows(); ++i) moved.push_back(r.text(i, 0));
    std::sort(moved.begin(), moved.end());
    return moved;
}

void PgFleetStore::settle_lease(PgConnection& c, const std::string& host_id, const Lease& lease) {
    auto r = c.exec("UPDATE hosts SET lease_owner = NULL, lease_expires_ms = NULL, next_due_ms = $1 "
                    "WHERE host_id = $2 AND lease_owner = $3",
                    PgParams().integer(lease.next_due).text(host_id).text(lease.instance));
    if (r.affected() != 1)
        throw LeaseLost("host \"" + host_id + "\" is no longer leased to instance " + lease.instance);
}

Appraisal PgFleetStore::record_appraisal(Appraisal a, const std::optional<evidence::ClockInfo>& clock,
                                         const Lease* lease) {
    auto c = pool_.acquire();
    PgTransaction t(*c);
    // The host's row stays locked to the commit: the clock rule reads and
    // writes it, and another instance's claim skips it meanwhile.
    auto row = c->exec("SELECT last_clock, last_reset_count, last_restart_count FROM hosts WHERE host_id = $1 "
                       "FOR UPDATE",
                       PgParams().text(a.host_id));
    if (row.rows() == 0) throw StoreError("host \"" + a.host_id + "\" is not enrolled");
    if (lease) settle_lease(*c, a.host_id, *lease);
    bool forward = false;
    if (a.verdict == "trusted" && clock) {
        // Compared here on unsigned values: a TPM clock can pass 2^63 ms.
        forward = true;
        if (!row.is_null(0, 0)) {
            const auto last = static_cast<std::uint64_t>(row.integer(0, 0));
            const auto reset = static_cast<std::uint32_t>(row.integer(0, 1));
            const auto restart = static_cast<std::uint32_t>(row.integer(0, 2));
            forward = clock->reset_count > reset ||
                      (clock->reset_count == reset &&
                       (clock->restart_count > restart || (clock->restart_count == restart && clock->clock >= last)));
        }
        if (!forward) {
            a.verdict = "not-trusted";
            const std::string why = "a quote with later counters was accepted for this host meanwhile";
            bool found = false;
            for (auto& check : a.checks)
                if (check.id == "quote.clock") {
                    check = {check.id, "fail", why};
                    found = true;
                }
            if (!found) a.checks.push_back({"quote.clock", "fail", why});
        }
    }
    PgParams row_params;
    row_params.text(a.host_id)
        .integer(a.at)
        .bytes(a.nonce)
        .text(a.verdict)
        .text(mode_name(a.mode))
        .integer(a.duration_us)
        .text(a.instance);
    if (a.reference.empty())
        row_params.null();
    else
        row_params.text(a.reference);
    auto inserted = c->exec("INSERT INTO appraisals (host_id, at_ms, nonce, verdict, mode, duration_us, instance, "
                            "reference) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                            row_params);
    a.id = inserted.integer(0, 0);
    if (!a.checks.empty()) {
        // All of an appraisal's checks in one statement: one round trip.
        std::string sql = "INSERT INTO appraisal_checks (appraisal_id, position, check_id, status, message) VALUES ";
        PgParams p;
        p.integer(a.id);
        for (std::size_t i = 0; i < a.checks.size(); ++i) {
            const auto n = 2 + 4 * i;
            sql += (i ? ", ($1, $" : "($1, $") + std::to_string(n) + "::int, $" + std::to_string(n + 1) + ", $" +
                   std::to_string(n + 2) + ", $" + std::to_string(n + 3) + ")";
            p.integer(static_cast<std::int64_t>(i))
                .text(a.checks[i].id)
                .text(a.checks[i].status)
                .text(a.checks[i].message);
        }
        c->exec(sql, p);
    }
    PgParams p;
    p.text(a.verdict == "trusted" ? "trusted" : "not-trusted").integer(a.at).text(a.host_id);
    if (forward)
        p.integer(static_cast<std::int64_t>(clock->clock)).integer(clock->reset_count).integer(clock->restart_count);
    else
        p.null().null().null();
    c->exec("UPDATE hosts SET state = $1, last_attested_ms = $2, last_attempt_ms = $2, last_error = NULL, "
            "last_clock = coalesce($4::bigint, last_clock), "
            "last_reset_count = coalesce($5::bigint, last_reset_count), "
            "last_restart_count = coalesce($6::bigint, last_restart_count), "
            "last_verified_at = CASE WHEN $4::bigint IS NULL THEN last_verified_at ELSE "
            "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END "
            "WHERE host_id = $3",
            p);
    t.commit();
    return a;
}

void PgFleetStore::record_failed_attempt(const std::string& host_id, Millis at, const std::string& error,
                                         const Lease* lease) {
    auto c = pool_.acquire();
    PgTransaction t(*c);
    if (lease) settle_lease(*c, host_id, *lease);
    c->exec("UPDATE hosts SET last_attempt_ms = $1, last_error = $2 WHERE host_id = $3",
            PgParams().integer(at).text(error).text(host_id));
    t.commit();
}

std::vector<std::string> PgFleetStore::mark_silent_hosts_unreachable(Millis now, unsigned intervals,
                                                                     Millis watching_since) {
    auto c = pool_.acquire();
    // One statement for the whole fleet, as in SQLite. A host whose row is
    // locked is being appraised or claimed right now: it is not silent, and
    // skipping it keeps two instances' sweeps from deadlocking.
    auto r = c->exec("UPDATE hosts SET state = 'unreachable' WHERE host_id IN (SELECT host_id FROM hosts "
                     "WHERE mode <> 'manual' AND state <> 'unreachable' AND "
                     "greatest(coalesce(last_attested_ms, enrolled_ms, 0), $1) < $2 - interval_seconds * 1000 * $3 "
                     "FOR UPDATE SKIP LOCKED) RETURNING host_id",
                     PgParams().integer(watching_since).integer(now).integer(intervals));
    std::vector<std::string> marked;
    for (int i = 0; i < r.rows(); ++i) marked.push_back(r.text(i, 0));
    return marked;
}

void PgFleetStore::heartbeat(const std::string& instance, Millis now) {
    auto c = pool_.acquire();
    // The rows of instances silent for a day (killed, never back) go too.
    c->exec("WITH gone AS (DELETE FROM verifier_instances WHERE heartbeat_ms < $2::bigint - $3::bigint) "
            "INSERT INTO verifier_instances (instance_id, started_ms, heartbeat_ms) VALUES ($1, $2, $2) "
            "ON CONFLICT (instance_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
            PgParams().text(instance).integer(now).integer(forgotten_after_ms));
}

void PgFleetStore::leave(const std::string& instance) {
    auto c = pool_.acquire();
    PgTransaction t(*c);
    c->exec("DELETE FROM verifier_instances WHERE instance_id = $1", PgParams().text(instance));
    c->exec("UPDATE hosts SET lease_owner = NULL, lease_expires_ms = NULL WHERE lease_owner = $1",
            PgParams().text(instance));
    t.commit();
}

std::vector<std::string> PgFleetStore::live_instances(Millis alive_since) {
    auto c = pool_.acquire();
    auto r = c->exec("SELECT instance_id FROM verifier_instances WHERE heartbeat_ms >= $1 ORDER BY instance_id",
                     PgParams().integer(alive_since));
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

std::vector<FleetHost> PgFleetStore::claim_due_hosts(const std::string& instance, Millis now, Millis pull_timeout_ms,
                                                     Millis alive_since, std::size_t limit) {
    auto c = pool_.acquire();
    // SKIP LOCKED: rows another instance is claiming (or appraising) are
    // passed over, not waited for; once that claim commits, its leases
    // exclude the hosts here. A lease is void when it expired or its holder
    // stopped its heartbeat (a dead instance's hosts are taken over).
    std::string sql = std::string("WITH due AS (SELECT host_id FROM hosts h WHERE mode = 'pull' AND "
                                  "coalesce(next_due_ms, 0) <= $2 AND (lease_owner IS NULL OR lease_expires_ms < $2 "
                                  "OR NOT EXISTS (SELECT 1 FROM verifier_instances i WHERE i.instance_id = "
                                  "h.lease_owner AND i.heartbeat_ms >= $4)) "
                                  "ORDER BY next_due_ms LIMIT $5 FOR UPDATE SKIP LOCKED) "
                                  "UPDATE hosts SET lease_owner = $1, "
                                  "lease_expires_ms = $2 + least(hosts.interval_seconds * 1000, $3) + $6 "
                                  "FROM due WHERE hosts.host_id = due.host_id RETURNING ") +
                      host_columns;  // qualified: due has a host_id too
    return hosts_from(c->exec(sql, PgParams()
                                       .text(instance)
                                       .integer(now)
                                       .integer(pull_timeout_ms)
                                       .integer(alive_since)
                                       .integer(static_cast<std::int64_t>(limit))
                                       .integer(lease_margin_ms)));
}

std::vector<Appraisal> PgFleetStore::appraisals(const std::string& host_id, std::size_t limit) {
    auto c = pool_.acquire();
    auto r = c->exec("SELECT id, host_id, at_ms, nonce, verdict, mode, duration_us, instance, reference "
                     "FROM appraisals WHERE host_id = $1 ORDER BY id DESC LIMIT $2",
                     PgParams().text(host_id).integer(static_cast<std::int64_t>(limit)));
    std::vector<Appraisal> out;
    for (int i = 0; i < r.rows(); ++i) {
        Appraisal a;
        a.id = r.integer(i, 0);
        a.host_id = r.text(i, 1);
        a.at = r.integer(i, 2);
        a.nonce = r.bytes(i, 3);
        a.verdict = r.text(i, 4);
        a.mode = parse_mode(r.text(i, 5)).value_or(AttestMode::manual);
        a.duration_us = r.integer(i, 6);
        a.instance = r.text(i, 7);
        a.reference = r.text(i, 8);
        out.push_back(std::move(a));
    }
    if (out.empty()) return out;
    // The checks of all of them in one query.
    auto checks = c->exec("SELECT appraisal_id, check_id, status, message FROM appraisal_checks "
                          "WHERE appraisal_id BETWEEN $1 AND $2 ORDER BY appraisal_id, position",
                          PgParams().integer(out.back().id).integer(out.front().id));
    std::map<std::int64_t, Appraisal*> by_id;
    for (auto& a : out) by_id[a.id] = &a;
    for (int i = 0; i < checks.rows(); ++i) {
        auto it = by_id.find(checks.integer(i, 0));
        if (it != by_id.end()) it->second->checks.push_back({checks.text(i, 1), checks.text(i, 2), checks.text(i, 3)});
    }
    return out;
}

std::int64_t PgFleetStore::appraisal_count() {
    auto c = pool_.acquire();
    return c->exec("SELECT count(*) FROM appraisals").integer(0, 0);
}

int PgFleetStore::schema_version() {
    auto c = pool_.acquire();
    return pg_schema_version_of(*c);
}

void PgFleetStore::check_health() {
    auto c = pool_.acquire();
    c->exec("SELECT count(*) FROM hosts");
}

std::unique_ptr<NonceStore> PgFleetStore::nonce_store(std::chrono::seconds lifetime, std::size_t per_host) {
    return std::make_unique<PgNonceStore>(pool_, lifetime, per_host);
}

}  // namespace keel::verifierd
