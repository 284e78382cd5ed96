// The verifier's store of enrolled hosts: one SQLite file holding, per host,
// the EK and AK enrolment accepted, the reference values and policy to
// appraise it with, and the clock of the last quote accepted (so a replayed
// or rolled-back quote is caught across verifier restarts). keel-verifierd
// keeps its fleet in the same file (store_schema.hpp, verifierd/).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/tpm_types.hpp"

struct sqlite3;

namespace keel::verifier {

using evidence::Bytes;

// The store could not be opened, read or written (a missing or foreign
// file, no permission, a locked or damaged database): a local fault.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An enrolment the store refuses: the host id is taken, or the EK is
// already enrolled under another host id (one TPM is one host).
class EnrollmentConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A signed reference document (attestation/refdoc/), by the name and
// version it was published under: a host enrolled with one is appraised
// against that document's reference values, and moving every host to a new
// build is one update of this pair, not an edit of each host's values.
struct ReferenceName {
    std::string name, version;
    std::string label() const { return name + "@" + version; }
    bool operator==(const ReferenceName&) const = default;
};

// An enrolment (or a move) names a reference document the store does not
// hold: nothing is stored.
class UnknownReference : public std::runtime_error {
public:
    explicit UnknownReference(const ReferenceName& n)
        : std::runtime_error("reference document " + n.label() +
                             " is not published (POST /v1/references publishes one; GET /v1/references lists them)") {}
};

// Whether opening a store may create it: only enrolment does. A verifier
// given a mistyped path must say so, not create an empty store and then
// report that the host is not enrolled.
enum class StoreOpening { existing, create_if_missing };

struct HostRecord {
    std::string host_id;
    Bytes ek_public;  // TPM2B_PUBLIC
    std::optional<Bytes> ek_certificate;  // DER
    Bytes ak_public;  // TPM2B_PUBLIC
    Bytes ak_name;
    // `keel measure`'s reference values: the host's own, or when
    // reference_document is set, that document's (read from it, never
    // stored with the host).
    std::string reference_json;
    std::optional<ReferenceName> reference_document;
    std::string policy_json;  // keel-attestation-policy
    std::optional<evidence::ClockInfo> last_clock;
    std::string enrolled_at;  // UTC, ISO 8601, set by the store
    std::string last_verified_at;  // empty until a quote was accepted
};

class HostStore {
public:
    // Opens the file, or creates it with create_if_missing; throws
    // StoreError naming the file, also when an existing file is not a Keel
    // host store (it is then left as it was).
    HostStore(const std::string& path, StoreOpening opening);
    ~HostStore();
    HostStore(const HostStore&) = delete;
    HostStore& operator=(const HostStore&) = delete;

    // Adds a host; with `replace`, an enrolled host of the same id is
    // replaced (its counters start over). Throws EnrollmentConflict when the
    // id is taken (without `replace`) or another host id has the same EK,
    // UnknownReference when it names a reference document the store does
    // not hold.
    // `also` runs inside the same transaction after the insert (the fleet
    // verifier's store records how the host is attested).
    void enroll(const HostRecord& host, bool replace, const std::function<void()>& also = {});
    std::optional<HostRecord> find(const std::string& host_id);
    std::vector<std::string> host_ids();
    // Records the clock of an accepted quote, in one transaction that refuses
    // (returns false) if a quote with later counters was recorded meanwhile,
    // or the host is not enrolled.
    bool record_quote(const std::string& host_id, const evidence::ClockInfo& clock);
    // The same, for a caller that holds a Transaction on connection().
    bool record_quote_in_transaction(const std::string& host_id, const evidence::ClockInfo& clock);

    // For stores built on this one (attestation/verifierd): the connection
    // and the file's name for error messages.
    sqlite3* connection() { return db_; }
    const std::string& path() const { return path_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

}  // namespace keel::verifier
