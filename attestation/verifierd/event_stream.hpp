// One GET /v1/events response: a subscription of the EventFeed written as
// Server-Sent Events (text/event-stream, the WHATWG HTML "server-sent
// events" format):
//   : keel-verifierd verdict changes          (first, so a client knows it is subscribed)
//   event: keel-events-lost                    (when the Last-Event-ID is no longer in the ring)
//   data: {"format": "keel-events-lost", "version": 1, "last_event_id": …, "message": …}
//   id: <event_id>                             (each verdict change)
//   event: keel-verdict-change
//   data: <the webhook's JSON, one line>
//   : keep-alive                               (every heartbeat with nothing else to say)
// A subscriber that fell behind gets a last comment saying so, then the
// response ends; it resumes with Last-Event-ID. Nothing here knows HTTP:
// the API server hands each step a function that writes to the connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "attestation/verifierd/event_feed.hpp"

namespace keel::verifierd {

std::string sse_verdict_change(const nlohmann::json& event);

class EventStream {
public:
    using Write = std::function<bool(std::string_view)>;  // false: the client is gone

    EventStream(std::shared_ptr<EventFeed::Subscription> subscription, std::optional<std::string> last_event_id,
                std::chrono::milliseconds heartbeat, std::size_t buffer);

    // Waits at most `slice` for events and writes them (the greeting and a
    // lost notice first, a heartbeat when one is due); false when the
    // stream is over: the client is gone, it fell behind, or the feed closed.
    bool step(const Write& write, std::chrono::milliseconds slice);

private:
    using Clock = std::chrono::steady_clock;
    std::shared_ptr<EventFeed::Subscription> subscription_;
    const std::optional<std::string> last_event_id_;
    const std::chrono::milliseconds heartbeat_;
    const std::size_t buffer_;
    bool greeted_ = false;
    Clock::time_point last_write_;
};

}  // namespace keel::verifierd
