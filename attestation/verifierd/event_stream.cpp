#include "attestation/verifierd/event_stream.hpp"

namespace keel::verifierd {

std::string sse_verdict_change(const nlohmann::json& event) {
    // dump() escapes every control character, so the data is one line and
    // cannot end the event early or forge another.
    return "id: " + event.at("event_id").get<std::string>() + "\nevent: keel-verdict-change\ndata: " + event.dump() +
           "\n\n";
}

EventStream::EventStream(std::shared_ptr<EventFeed::Subscription> subscription,
                         std::optional<std::string> last_event_id, std::chrono::milliseconds heartbeat,
                         std::size_t buffer)
    : subscription_(std::move(subscription)), last_event_id_(std::move(last_event_id)), heartbeat_(heartbeat),
      buffer_(buffer) {}

bool EventStream::step(const Write& write, std::chrono::milliseconds slice) {
    if (!greeted_) {
        greeted_ = true;
        last_write_ = Clock::now();
        if (!write(": keel-verifierd verdict changes\n\n")) return false;
        if (subscription_->lost()) {
            const nlohmann::json lost = {
                {"format", "keel-events-lost"},
                {"version", 1},
                {"last_event_id", *last_event_id_},
                {"message", "the events after " + nlohmann::json(*last_event_id_).dump() +
                                " are no longer kept (or it is not an event of this verifier instance): "
                                "what follows is every event still kept; read the hosts' states again "
                                "(GET /v1/hosts)"}};
            if (!write("event: keel-events-lost\ndata: " + lost.dump() + "\n\n")) return false;
        }
    }
    const auto batch = subscription_->next(slice);
    for (const auto& e : batch.events) {
        if (!write(sse_verdict_change(e))) return false;
        last_write_ = Clock::now();
    }
    if (batch.fell_behind) {
        write(": keel-verifierd: this subscriber fell more than " + std::to_string(buffer_) +
              " events behind and is disconnected; reconnect with Last-Event-ID to resume\n\n");
        return false;
    }
    if (batch.closed) {
        write(": keel-verifierd is stopping\n\n");
        return false;
    }
    if (Clock::now() - last_write_ >= heartbeat_) {
        if (!write(": keep-alive\n\n")) return false;
        last_write_ = Clock::now();
    }
    return true;
}

}  // namespace keel::verifierd
