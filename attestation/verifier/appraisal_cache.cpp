#include "attestation/verifier/appraisal_cache.hpp"

#include <cstring>

namespace keel::verifier {

std::size_t AppraisalCache::KeyHash::operator()(const AppraisalKey& k) const {
    std::size_t h = 0;
    std::memcpy(&h, k.data(), sizeof h);
    return h;
}

std::shared_ptr<const LogAppraisal> AppraisalCache::find(const AppraisalKey& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        ++misses_;
        return nullptr;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, it->second.position);
    return it->second.value;
}

void AppraisalCache::insert(const AppraisalKey& key, std::shared_ptr<const LogAppraisal> value) {
    if (max_entries_ == 0) return;
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) {
        it->second.value = std::move(value);
        order_.splice(order_.begin(), order_, it->second.position);
        return;
    }
    if (entries_.size() == max_entries_) {
        entries_.erase(order_.back());
        order_.pop_back();
    }
    order_.push_front(key);
    entries_.emplace(key, Entry{std::move(value), order_.begin()});
}

std::shared_ptr<const eventlog::EventLog> AppraisalCache::find_log(const AppraisalKey& digest) {
    std::lock_guard lock(mutex_);
    auto it = logs_.find(digest);
    if (it == logs_.end()) return nullptr;
    log_order_.splice(log_order_.begin(), log_order_, it->second.position);
    return it->second.log;
}

void AppraisalCache::insert_log(const AppraisalKey& digest, std::shared_ptr<const eventlog::EventLog> log) {
    if (max_entries_ == 0) return;
    std::lock_guard lock(mutex_);
    if (auto it = logs_.find(digest); it != logs_.end()) {
        it->second.log = std::move(log);
        log_order_.splice(log_order_.begin(), log_order_, it->second.position);
        return;
    }
    if (logs_.size() == max_entries_) {
        logs_.erase(log_order_.back());
        log_order_.pop_back();
    }
    log_order_.push_front(digest);
    logs_.emplace(digest, LogEntry{std::move(log), log_order_.begin()});
}

std::size_t AppraisalCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::uint64_t AppraisalCache::hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
}

std::uint64_t AppraisalCache::misses() const {
    std::lock_guard lock(mutex_);
    return misses_;
}

}  // namespace keel::verifier
