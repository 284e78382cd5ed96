#include "attestation/verifierd/scheduler.hpp"

#include <iostream>
#include <openssl/rand.h>

#include "attestation/verifierd/agent_fetch.hpp"

namespace keel::verifierd {

constexpr std::size_t pull_nonce_bytes = 32;
constexpr auto unreachable_check_period = std::chrono::seconds(1);

Scheduler::Scheduler(FleetStore& store, Appraiser& appraiser, Metrics& metrics, const Config& config)
    : store_(store), appraiser_(appraiser), metrics_(metrics), config_(config) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
    const auto now = now_ms();
    started_ = now;
    const auto steady_now = Clock::now();
    {
        std::lock_guard lock(mutex_);
        for (const auto& h : store_.hosts())
            if (h.mode != AttestMode::manual) add(h, now, steady_now);
    }
    threads_.emplace_back([this] { run(); });
    for (unsigned i = 0; i < config_.pull_workers; ++i) threads_.emplace_back([this] { work(); });
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    schedule_changed_.notify_all();
    work_ready_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void Scheduler::watch(const FleetHost& host) {
    {
        std::lock_guard lock(mutex_);
        add(host, now_ms(), Clock::now());
    }
    schedule_changed_.notify_all();
}

void Scheduler::add(const FleetHost& host, Millis now, Clock::time_point steady_now) {
    auto& e = entries_[host.record.host_id];
    e.mode = host.mode;
    e.agent_url = host.agent_url;
    e.interval = host.interval;
    // Due one interval after the last try; now if that is past (or never tried).
    const Millis due = host.last_attempt ? *host.last_attempt + host.interval.count() * 1000 : now;
    e.next_due = steady_now + std::chrono::milliseconds(std::max<Millis>(0, due - now));
}

void Scheduler::run() {
    auto next_check = Clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto now = Clock::now();
        auto wake = now + unreachable_check_period;
        for (auto& [id, e] : entries_) {
            if (e.mode != AttestMode::pull || e.in_flight) continue;
            if (e.next_due <= now) {
                e.in_flight = true;
                queue_.push_back(id);
                work_ready_.notify_one();
            } else {
                wake = std::min(wake, e.next_due);
            }
        }
        if (now >= next_check) {
            lock.unlock();
            check_unreachable();
            lock.lock();
            next_check = Clock::now() + unreachable_check_period;
            continue;
        }
        schedule_changed_.wait_until(lock, std::min(wake, next_check));
    }
}

void Scheduler::work() {
    std::unique_lock lock(mutex_);
    while (true) {
        work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        auto id = queue_.front();
        queue_.pop_front();
        lock.unlock();
        try {
            pull(id);
        } catch (const std::exception& e) {
            std::cerr << "keel-verifierd: pulling host \"" << id << "\": " << e.what() << std::endl;
        }
        lock.lock();
        auto it = entries_.find(id);
        if (it != entries_.end()) {
            it->second.in_flight = false;
            it->second.next_due = Clock::now() + it->second.interval;
        }
        schedule_changed_.notify_all();
    }
}

void Scheduler::pull(const std::string& host_id) {
    auto host = store_.host(host_id);
    if (!host || host->mode != AttestMode::pull) return;
    Bytes nonce(pull_nonce_bytes);
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    const auto timeout = std::min(config_.pull_timeout, host->interval);
    std::string text;
    try {
        text = fetch_evidence(host->agent_url, nonce, timeout, config_.max_body_bytes);
    } catch (const FetchError& e) {
        metrics_.pull_failed();
        store_.record_failed_attempt(host_id, now_ms(), e.what());
        return;
    }
    const auto received = Clock::now();
    verifier::Evidence evidence;
    try {
        evidence = parse_evidence_structures(parse_evidence_document(text));
    } catch (const EvidenceRejected& e) {
        // The host answered with something that is not evidence: its failure.
        Appraisal a;
        a.host_id = host_id;
        a.at = now_ms();
        a.nonce = nonce;
        a.mode = AttestMode::pull;
        a.verdict = "not-trusted";
        a.checks.push_back({"evidence.format", "fail", std::string("the agent's answer is not evidence: ") + e.what()});
        metrics_.appraised(store_.record_appraisal(std::move(a), std::nullopt));
        return;
    }
    appraiser_.appraise(*host, nonce, evidence, AttestMode::pull, received);
}

void Scheduler::check_unreachable() {
    for (const auto& id : store_.mark_silent_hosts_unreachable(now_ms(), config_.unreachable_after_intervals, started_))
        std::cerr << "keel-verifierd: host \"" << id << "\" is unreachable: no evidence for "
                  << config_.unreachable_after_intervals << " intervals" << std::endl;
}

}  // namespace keel::verifierd
