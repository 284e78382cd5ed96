#include "attestation/verifierd/scheduler.hpp"

#include "attestation/verifierd/notify_event.hpp"

#include <iostream>
#include <openssl/rand.h>

#include "attestation/verifierd/agent_fetch.hpp"

namespace keel::verifierd {
namespace {

constexpr std::size_t pull_nonce_bytes = 32;
constexpr Millis unreachable_check_period_ms = 1000;
// How often due hosts are looked for when nothing wakes the scheduler.
constexpr auto claim_period = std::chrono::milliseconds(250);
// Backoff while the store fails: from the first to the longest wait.
constexpr auto first_backoff = std::chrono::milliseconds(250);
constexpr auto longest_backoff = std::chrono::seconds(5);

Millis ms(std::chrono::milliseconds d) { return d.count(); }

}  // namespace

Scheduler::Scheduler(FleetStore& store, Appraiser& appraiser, Metrics& metrics, const Config& config,
                     std::string instance)
    : store_(store), appraiser_(appraiser), metrics_(metrics), config_(config), instance_(std::move(instance)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
    watching_since_ = now_ms();
    threads_.emplace_back([this] { run(); });
    for (unsigned i = 0; i < config_.pull_workers; ++i) threads_.emplace_back([this] { work(); });
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    schedule_changed_.notify_all();
    work_ready_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    try {
        store_.leave(instance_);
    } catch (const StoreError& e) {
        // The others take the hosts over when the heartbeat is found stale.
        std::cerr << "keel-verifierd: leaving the store: " << e.what() << std::endl;
    }
}

void Scheduler::watch(const FleetHost&) { schedule_changed_.notify_all(); }

Lease Scheduler::lease_for(const FleetHost& host) const {
    return {instance_, now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(host.interval).count()};
}

void Scheduler::tick(Millis now) {
    if (now >= next_heartbeat_) {
        store_.heartbeat(instance_, now);
        next_heartbeat_ = now + ms(heartbeat_period);
    }
    std::size_t wanted = 0;
    {
        std::lock_guard lock(mutex_);
        // Claim only what free workers start at once: a host claimed and left
        // waiting is a host no other instance may pull, and its lease runs
        // out while it waits.
        const std::size_t held = queue_.size() + busy_;
        const std::size_t room = config_.pull_workers;
        wanted = held < room ? room - held : 0;
    }
    if (wanted > 0) {
        const Millis timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.pull_timeout).count();
        auto claimed = store_.claim_due_hosts(instance_, now, timeout, now - ms(instance_timeout), wanted);
        if (!claimed.empty()) {
            std::lock_guard lock(mutex_);
            for (auto& h : claimed) queue_.push_back(std::move(h));
            work_ready_.notify_all();
        }
    }
    if (now >= next_unreachable_check_) {
        for (const auto& id :
             store_.mark_silent_hosts_unreachable(now, config_.unreachable_after_intervals, watching_since_)) {
            std::cerr << "keel-verifierd: host \"" << id << "\" is unreachable: no evidence for "
                      << config_.unreachable_after_intervals << " intervals" << std::endl;
            // The store marks only hosts that were not unreachable already;
            // which verdict they had, the one statement does not say.
            if (feed_) feed_->publish(verdict_change_event(id, std::nullopt, HostState::unreachable, now));
        }
        next_unreachable_check_ = now + unreachable_check_period_ms;
    }
}

void Scheduler::run() {
    auto backoff = first_backoff;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(claim_period);
        try {
            const auto now = now_ms();
            if (store_failing_) {
                // Hosts could not report while the store was away: their
                // silence counts from now, not from before the outage.
                watching_since_ = now;
                next_unreachable_check_ = now;
            }
            tick(now);
            if (store_failing_) std::cerr << "keel-verifierd: the store is available again" << std::endl;
            store_failing_ = false;
            backoff = first_backoff;
        } catch (const StoreError& e) {
            if (!store_failing_)
                std::cerr << "keel-verifierd: the store failed (retrying with backoff; no host is judged meanwhile): "
                          << e.what() << std::endl;
            store_failing_ = true;
            wait = backoff;
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, longest_backoff);
        }
        lock.lock();
        if (stopping_) break;
        // Woken early by an enrolment or a worker that became free.
        schedule_changed_.wait_for(lock, wait);
    }
}

void Scheduler::work() {
    std::unique_lock lock(mutex_);
    while (true) {
        work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        auto host = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
        lock.unlock();
        try {
            pull(host);
        } catch (const LeaseLost& e) {
            std::cerr << "keel-verifierd: host \"" << host.record.host_id
                      << "\" went to another instance while being pulled; its appraisal there is the one kept ("
                      << e.what() << ")" << std::endl;
        } catch (const std::exception& e) {
            // The lease stays and runs out: the host is pulled again then.
            std::cerr << "keel-verifierd: pulling host \"" << host.record.host_id << "\": " << e.what() << std::endl;
        }
        lock.lock();
        --busy_;
        schedule_changed_.notify_all();
    }
}

void Scheduler::pull(const FleetHost& host) {
    const auto& host_id = host.record.host_id;
    Bytes nonce(pull_nonce_bytes);
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    const auto timeout = std::min(config_.pull_timeout, host.interval);
    std::string text;
    try {
        text = fetch_evidence(host.agent_url, nonce, timeout, config_.max_body_bytes);
    } catch (const FetchError& e) {
        metrics_.pull_failed();
        const auto lease = lease_for(host);
        store_.record_failed_attempt(host_id, now_ms(), e.what(), &lease);
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
        a.instance = instance_;
        a.checks.push_back({"evidence.format", "fail", std::string("the agent's answer is not evidence: ") + e.what()});
        const auto lease = lease_for(host);
        metrics_.appraised(store_.record_appraisal(std::move(a), std::nullopt, &lease));
        return;
    }
    const auto lease = lease_for(host);
    appraiser_.appraise(host, nonce, evidence, AttestMode::pull, received, &lease);
}

}  // namespace keel::verifierd
