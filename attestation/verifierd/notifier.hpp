// Notifications of verdict changes: each event (notify_event.hpp) is POSTed
// as JSON to the configured webhook by one sender thread, in order. A
// delivery that fails (no connection, no answer within the timeout, any
// status but 2xx) is retried with exponential backoff (first_retry,
// doubling, at most max_retry) until it succeeds; the events behind it wait
// in a queue of at most queue_limit. Nothing in the queue is lost however
// long the receiver fails; an event that finds the queue full is dropped,
// counted and logged (a bound, so a receiver that is gone for good cannot
// exhaust the verifier's memory). Delivery is at least once: a receiver
// that acted but answered too late gets the event again, and can tell by
// its "event_id". Events still queued when the daemon stops are logged and
// lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/webhook_url.hpp"

namespace keel::verifierd {

class Notifier {
public:
    // Throws ConfigError for a webhook URL parse_webhook_url refuses.
    explicit Notifier(NotifyConfig config);
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // Queues the event (numbered by the EventFeed, event_feed.hpp); false
    // (and the event dropped) when the queue is full.
    bool post(nlohmann::json event);

    struct Counts {
        std::uint64_t delivered = 0, failed_attempts = 0, dropped = 0;
        std::size_t queued = 0;
    };
    Counts counts() const;
    // Waits until every queued event was delivered, at most `within`;
    // whether the queue is empty.
    bool drain(std::chrono::milliseconds within);

private:
    void run();
    bool deliver(const nlohmann::json& event);

    const NotifyConfig config_;
    const WebhookUrl url_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<nlohmann::json> queue_;
    Counts counts_;
    bool stopping_ = false;
    std::thread sender_;
};

}  // namespace keel::verifierd
