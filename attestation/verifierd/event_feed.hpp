// The one fan-out point of verdict-change events (notify_event.hpp): the
// appraiser and the scheduler publish here, and the feed numbers each event
// ("event_id": "<instance>-<n>"), keeps the last `ring` of them for
// resumption, hands it to the webhook's Notifier (when configured) and to
// every event-stream subscriber (GET /v1/events, event_stream.hpp).
//
// Publishing never waits for a subscriber: each has a queue of at most
// `subscriber_buffer` events, and one that falls further behind is cut off
// (its queue dropped, the stream told so) instead of slowing appraisals or
// the other subscribers; it can resume from its last event id while that is
// still in the ring. At most `max_subscribers` streams are open at once
// (each holds one of the API's threads for as long as it lasts).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/notifier.hpp"

namespace keel::verifierd {

class EventFeed {
public:
    // What a subscriber is given at each wait.
    struct Batch {
        std::vector<nlohmann::json> events;  // in order, each with its "event_id"
        bool fell_behind = false;  // cut off: more than subscriber_buffer events were waiting
        bool closed = false;  // the feed is shutting down
    };

    class Subscription {
    public:
        // Waits at most `within` for events; returns what is waiting (maybe
        // nothing). After fell_behind or closed, nothing more comes.
        Batch next(std::chrono::milliseconds within);
        // The resumption result: whether events the subscriber asked for
        // (after its Last-Event-ID) were no longer in the ring.
        bool lost() const { return lost_; }
        ~Subscription();

    private:
        friend class EventFeed;
        Subscription(EventFeed& feed, std::size_t limit) : feed_(feed), limit_(limit) {}
        EventFeed& feed_;
        const std::size_t limit_;
        std::deque<nlohmann::json> replay_;  // from the ring, not counted against limit_
        std::deque<nlohmann::json> queue_;  // published since, at most limit_
        bool fell_behind_ = false, lost_ = false;
    };

    struct Counts {
        std::uint64_t published = 0, subscribers_cut_off = 0;
        std::size_t subscribers = 0;
    };

    // `source` is this instance's id (event ids are "<source>-<n>");
    // `notifier` may be nullptr (no webhook).
    EventFeed(std::string source, const EventsConfig& config, Notifier* notifier = nullptr);
    ~EventFeed();
    EventFeed(const EventFeed&) = delete;
    EventFeed& operator=(const EventFeed&) = delete;

    // Numbers the event, keeps it, and hands it on; never blocks on a
    // subscriber or on the webhook.
    void publish(nlohmann::json event);

    // A new subscriber, or nullptr when max_subscribers are open. With
    // `last_event_id`, the events after it come first; when it is not one of
    // this feed's ids still in the ring (older, or another instance's),
    // lost() is true and the whole ring comes first.
    std::shared_ptr<Subscription> subscribe(const std::optional<std::string>& last_event_id);

    // Wakes every subscriber with `closed` (the daemon is stopping).
    void close();
    Counts counts() const;
    std::size_t max_subscribers() const { return config_.max_subscribers; }

private:
    std::optional<std::uint64_t> number_of(const std::string& event_id) const;

    const std::string source_;
    const EventsConfig config_;
    Notifier* const notifier_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::pair<std::uint64_t, nlohmann::json>> ring_;
    std::vector<Subscription*> subscribers_;
    std::uint64_t numbered_ = 0;
    Counts counts_;
    bool closed_ = false;
};

}  // namespace keel::verifierd
