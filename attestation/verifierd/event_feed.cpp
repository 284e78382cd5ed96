#include "attestation/verifierd/event_feed.hpp"

#include <algorithm>

namespace keel::verifierd {

EventFeed::EventFeed(std::string source, const EventsConfig& config, Notifier* notifier)
    : source_(std::move(source)), config_(config), notifier_(notifier) {}

EventFeed::~EventFeed() { close(); }

void EventFeed::publish(nlohmann::json event) {
    {
        std::lock_guard lock(mutex_);
        event["event_id"] = source_ + "-" + std::to_string(++numbered_);
        ++counts_.published;
        ring_.emplace_back(numbered_, event);
        while (ring_.size() > config_.ring) ring_.pop_front();
        for (auto* s : subscribers_) {
            if (s->fell_behind_) continue;
            // The bound that keeps a stalled reader from holding the feed's
            // memory, or the appraisals, hostage: it is cut off and resumes.
            if (s->queue_.size() >= s->limit_) {
                s->fell_behind_ = true;
                s->queue_.clear();
                ++counts_.subscribers_cut_off;
                continue;
            }
            s->queue_.push_back(event);
        }
    }
    changed_.notify_all();
    // Outside the lock: the Notifier queues (bounded) and returns at once.
    if (notifier_) notifier_->post(std::move(event));
}

std::optional<std::uint64_t> EventFeed::number_of(const std::string& event_id) const {
    const auto prefix = source_ + "-";
    if (event_id.size() <= prefix.size() || event_id.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    const auto digits = event_id.substr(prefix.size());
    if (digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoull(digits);
}

std::shared_ptr<EventFeed::Subscription> EventFeed::subscribe(const std::optional<std::string>& last_event_id) {
    std::lock_guard lock(mutex_);
    if (closed_ || subscribers_.size() >= config_.max_subscribers) return nullptr;
    std::shared_ptr<Subscription> s(new Subscription(*this, config_.subscriber_buffer));
    if (last_event_id) {
        const auto n = number_of(*last_event_id);
        // Still resumable: the id is ours, not from the future, and every
        // event after it is in the ring (the oldest kept is at most n + 1).
        const std::uint64_t oldest = ring_.empty() ? numbered_ + 1 : ring_.front().first;
        const bool resumable = n && *n <= numbered_ && *n + 1 >= oldest;
        s->lost_ = !resumable;
        for (const auto& [number, event] : ring_)
            if (!resumable || number > *n) s->replay_.push_back(event);
    }
    subscribers_.push_back(s.get());
    counts_.subscribers = subscribers_.size();
    return s;
}

EventFeed::Subscription::~Subscription() {
    std::lock_guard lock(feed_.mutex_);
    auto& list = feed_.subscribers_;
    list.erase(std::remove(list.begin(), list.end(), this), list.end());
    feed_.counts_.subscribers = list.size();
}

EventFeed::Batch EventFeed::Subscription::next(std::chrono::milliseconds within) {
    std::unique_lock lock(feed_.mutex_);
    feed_.changed_.wait_for(lock, within,
                            [this] { return feed_.closed_ || fell_behind_ || !replay_.empty() || !queue_.empty(); });
    Batch b;
    for (auto& e : replay_) b.events.push_back(std::move(e));
    replay_.clear();
    for (auto& e : queue_) b.events.push_back(std::move(e));
    queue_.clear();
    b.fell_behind = fell_behind_;
    b.closed = feed_.closed_;
    return b;
}

void EventFeed::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    changed_.notify_all();
}

EventFeed::Counts EventFeed::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

}  // namespace keel::verifierd
