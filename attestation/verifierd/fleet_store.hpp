// What keel-verifierd keeps, behind one interface: the enrolled hosts (with
// their reference values and policy, how and how often each is attested,
// its state and last attestation time) and every appraisal with its named
// checks. SQLite by default (sqlite_fleet_store.hpp); PostgreSQL for several
// verifier instances sharing one fleet (pg_fleet_store.hpp). Both keep the
// pull schedule in the store (each host's next due time and a lease on it),
// so instances share the fleet through the database and a restart resumes
// every host's schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attestation/evidence/tpm_types.hpp"
#include "attestation/verifier/host_store.hpp"
#include "attestation/verifierd/nonce_store.hpp"

namespace keel::verifierd {

using verifier::Bytes;
using verifier::EnrollmentConflict;
using verifier::HostRecord;
using verifier::ReferenceName;
using verifier::StoreError;
using verifier::UnknownReference;

// manual: appraised only on request (keel verify; hosts `keel enroll` made);
// pull: the verifier asks the agent; push: the agent submits unasked.
enum class AttestMode { manual, pull, push };
// pending: enrolled, not appraised yet; unreachable: no evidence for the
// configured number of intervals (whatever the last verdict was).
enum class HostState { pending, trusted, not_trusted, unreachable };

const char* mode_name(AttestMode mode);
std::optional<AttestMode> parse_mode(const std::string& name);
const char* state_name(HostState state);
HostState parse_state(const std::string& name);  // what the store wrote; unknown text is a StoreError

// Milliseconds since the Unix epoch: what the store keeps and schedules by.
using Millis = std::int64_t;
Millis now_ms();
std::string iso_time(Millis ms);  // UTC, 2026-12-06T15:04:05.123Z

struct FleetHost {
    HostRecord record;
    AttestMode mode = AttestMode::manual;
    std::string agent_url;  // pull mode: http://HOST:PORT
    std::chrono::seconds interval{60};
    HostState state = HostState::pending;
    std::optional<Millis> last_attested;  // the last appraisal, whatever its verdict
    std::optional<Millis> last_attempt;  // the last try (pull: also one that reached no agent)
    std::string last_error;  // why the last try gave no evidence; empty after an appraisal
    std::optional<Millis> next_due;  // pull mode: when it is to be pulled next
};

// A signed reference document as the store keeps it, once its signature
// held against a trusted publisher's key (trusted_publishers.hpp).
struct PublishedReference {
    ReferenceName id;
    std::string document;  // the compact JWS as published
    std::string digest;  // "sha256:" + hex of `document`: which document this is
    std::string reference_json;  // the reference values it signs
    std::string publisher;  // the signing key's RFC 7638 thumbprint
    std::int64_t issued_at = 0;  // seconds since the epoch, as signed
    Millis published = 0;  // set by the store
};

// (name, version) already holds another document: a published document is
// never replaced (hosts appraised against it would silently change); the
// new build gets a new version.
class ReferenceConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A host id the store does not hold; nothing was changed.
class UnknownHost : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// publish_reference's outcome: stored now, or the identical document
// (same bytes) was already there.
enum class Publication { stored, already_there };

struct CheckRecord {
    std::string id, status, message;  // status: pass, fail, skipped
};

struct Appraisal {
    std::int64_t id = 0;  // set by the store
    std::string host_id;
    Millis at = 0;
    Bytes nonce;
    std::string verdict;  // trusted, not-trusted
    AttestMode mode = AttestMode::pull;
    std::int64_t duration_us = 0;  // evidence received to verdict
    std::vector<CheckRecord> checks;
    std::string instance;  // the verifier instance that appraised it
    // "name@version" of the signed reference document it was appraised
    // against; empty when the host's own reference values were used.
    std::string reference;
};

// A claimed pull host's result is recorded under the claim: only while the
// lease is still this instance's (else LeaseLost and nothing is stored: the
// host went to another instance, whose appraisal is the one kept), and in
// the same transaction the lease is released and the host's next due time
// set, so a crash cannot leave an appraisal without its schedule.
struct Lease {
    std::string instance;
    Millis next_due = 0;
};

// A lease outlasts the pull's timeout by this much: time to appraise and
// commit after an agent that answered at the last moment.
inline constexpr Millis lease_margin_ms = 2000;

class LeaseLost : public StoreError {
public:
    using StoreError::StoreError;
};

class FleetStore {
public:
    virtual ~FleetStore() = default;

    // Throws EnrollmentConflict and UnknownReference as HostStore::enroll does.
    virtual void enroll(const FleetHost& host, bool replace) = 0;
    virtual std::optional<FleetHost> host(const std::string& host_id) = 0;
    virtual std::vector<FleetHost> hosts() = 0;

    // Signed reference documents. Publishing stores a verified document
    // under its (name, version); the identical document again is
    // already_there, another one under the same pair throws
    // ReferenceConflict. Documents are never changed or deleted.
    virtual Publication publish_reference(const PublishedReference& document) = 0;
    virtual std::optional<PublishedReference> reference(const ReferenceName& id) = 0;
    // By name, then version (as text).
    virtual std::vector<PublishedReference> references() = 0;
    // Moves the hosts to document `to`, all or none, in one transaction:
    // throws UnknownReference when it is not published, UnknownHost when a
    // host is not enrolled. Each host's next appraisal uses its values.
    virtual void refer_hosts(const std::vector<std::string>& host_ids, const ReferenceName& to) = 0;
    // Moves every host that refers to `from` to `to`, in one statement;
    // returns them. Throws UnknownReference when `to` is not published.
    virtual std::vector<std::string> move_references(const ReferenceName& from, const ReferenceName& to) = 0;

    // Keeps an appraisal and updates the host's state and last attestation
    // time in one transaction. `clock` is the accepted quote's (trusted
    // verdicts only): if a quote with later counters was recorded meanwhile
    // the appraisal is kept as not trusted with quote.clock failed. Returns
    // what was stored. Throws StoreError when the host is not enrolled, and
    // LeaseLost when `lease` is given and no longer held.
    virtual Appraisal record_appraisal(Appraisal appraisal, const std::optional<evidence::ClockInfo>& clock,
                                       const Lease* lease = nullptr) = 0;
    // A try that gave no evidence (the agent could not be reached).
    virtual void record_failed_attempt(const std::string& host_id, Millis at, const std::string& error,
                                       const Lease* lease = nullptr) = 0;

    // Instances sharing the store. Each writes its heartbeat row about once
    // a second; a lease is void once it expires or its holder's heartbeat is
    // older than `alive_since`, so a dead instance's hosts are claimed by the
    // others. No instance talks to another: the rows are the membership.
    virtual void heartbeat(const std::string& instance, Millis now) = 0;
    // A clean stop: the row and the instance's leases go at once.
    virtual void leave(const std::string& instance) = 0;
    virtual std::vector<std::string> live_instances(Millis alive_since) = 0;
    // Leases up to `limit` pull hosts that are due at `now` and not leased
    // to a live instance, earliest due first, for as long as a pull of each
    // may take (its interval, at most `pull_timeout_ms`) plus
    // lease_margin_ms. Two instances claiming at once get different hosts.
    virtual std::vector<FleetHost> claim_due_hosts(const std::string& instance, Millis now, Millis pull_timeout_ms,
                                                   Millis alive_since, std::size_t limit) = 0;

    // Marks unreachable, in one statement for the whole fleet, every pull or
    // push host that gave no evidence for `intervals` of its own intervals
    // before `now`; silence counts from its last appraisal (or enrolment)
    // and from no earlier than `watching_since` (when this verifier started
    // watching: its own downtime is not the hosts' silence). Returns the
    // hosts it marked.
    virtual std::vector<std::string> mark_silent_hosts_unreachable(Millis now, unsigned intervals,
                                                                   Millis watching_since) = 0;
    // Newest first, at most `limit`.
    virtual std::vector<Appraisal> appraisals(const std::string& host_id, std::size_t limit) = 0;
    virtual std::int64_t appraisal_count() = 0;
    virtual int schema_version() = 0;
    // Throws StoreError when the store cannot be read (/healthz).
    virtual void check_health() = 0;

    // Where push nonces are kept (nonce_store.hpp): shared by every
    // instance of a shared store. `lifetime`: a nonce unused for longer is
    // refused; `per_host`: outstanding nonces a host may have.
    virtual std::unique_ptr<NonceStore> nonce_store(std::chrono::seconds lifetime, std::size_t per_host) = 0;
};

}  // namespace keel::verifierd
