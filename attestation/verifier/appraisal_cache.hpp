// Log appraisals kept for evidence that repeats them: a fleet of hosts that
// booted one image sends the same logs and PCR values, and each appraisal
// then costs little more than its quote's signature. Least recently used
// entries go first once `max_entries` are kept; 0 keeps none. Safe to share
// between threads (keel-verifierd's workers appraise at once).
//
// Only LogAppraisal is kept, under a key over every input it read
// (appraisal_key.hpp). The quote's checks (ak.enrolled, quote.*) and
// policy.banks run for every piece of evidence; verify() never takes them
// from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "attestation/verifier/appraisal_key.hpp"
#include "attestation/verifier/log_appraisal.hpp"

namespace keel::verifier {

class AppraisalCache {
public:
    explicit AppraisalCache(std::size_t max_entries) : max_entries_(max_entries) {}
    AppraisalCache(const AppraisalCache&) = delete;
    AppraisalCache& operator=(const AppraisalCache&) = delete;

    // The entry under `key`, now the most recently used; nullptr on a miss.
    std::shared_ptr<const LogAppraisal> find(const AppraisalKey& key);
    // Keeps `value` under `key` (replacing one there), dropping the least
    // recently used entry when full.
    void insert(const AppraisalKey& key, std::shared_ptr<const LogAppraisal> value);

    // Parsed event logs by the SHA-256 of their bytes (parse_evidence), kept
    // the same way, up to `max_entries` of them.
    std::shared_ptr<const eventlog::EventLog> find_log(const AppraisalKey& digest);
    void insert_log(const AppraisalKey& digest, std::shared_ptr<const eventlog::EventLog> log);

    std::size_t size() const;
    std::size_t max_entries() const { return max_entries_; }
    std::uint64_t hits() const;
    std::uint64_t misses() const;

private:
    struct KeyHash {
        // The key is already SHA-256: any eight of its bytes are a good hash.
        std::size_t operator()(const AppraisalKey& k) const;
    };
    using Order = std::list<AppraisalKey>;  // most recently used first
    struct Entry {
        std::shared_ptr<const LogAppraisal> value;
        Order::iterator position;
    };

    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    Order order_;
    std::unordered_map<AppraisalKey, Entry, KeyHash> entries_;
    struct LogEntry {
        std::shared_ptr<const eventlog::EventLog> log;
        Order::iterator position;
    };
    Order log_order_;
    std::unordered_map<AppraisalKey, LogEntry, KeyHash> logs_;
    std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace keel::verifier
