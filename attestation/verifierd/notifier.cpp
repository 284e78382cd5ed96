#include "attestation/verifierd/notifier.hpp"

#include <httplib.h>
#include <iostream>

namespace keel::verifierd {

Notifier::Notifier(NotifyConfig config)
    : config_(std::move(config)), url_(parse_webhook_url(config_.webhook)), sender_([this] { run(); }) {}

Notifier::~Notifier() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (!queue_.empty())
            std::cerr << "keel-verifierd: " << queue_.size() << " notification(s) not delivered to " << config_.webhook
                      << " before the stop" << std::endl;
    }
    changed_.notify_all();
    sender_.join();
}

bool Notifier::post(nlohmann::json event) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= config_.queue_limit) {
            ++counts_.dropped;
            std::cerr << "keel-verifierd: notification dropped, " << queue_.size() << " are waiting for "
                      << config_.webhook << ": " << event.dump() << std::endl;
            return false;
        }
        queue_.push_back(std::move(event));
    }
    changed_.notify_all();
    return true;
}

Notifier::Counts Notifier::counts() const {
    std::lock_guard lock(mutex_);
    auto c = counts_;
    c.queued = queue_.size();
    return c;
}

bool Notifier::drain(std::chrono::milliseconds within) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, within, [this] { return queue_.empty(); });
}

bool Notifier::deliver(const nlohmann::json& event) {
    httplib::Client client(url_.origin);
    client.set_connection_timeout(config_.timeout);
    client.set_read_timeout(config_.timeout);
    client.set_write_timeout(config_.timeout);
    client.enable_server_certificate_verification(true);
    if (!config_.ca.empty()) client.set_ca_cert_path(config_.ca.c_str());
    auto result = client.Post(url_.path, event.dump(), "application/json");
    if (result && result->status >= 200 && result->status < 300) return true;
    std::cerr << "keel-verifierd: webhook " << config_.webhook << ": "
              << (result ? "answered " + std::to_string(result->status) : httplib::to_string(result.error()))
              << "; retrying" << std::endl;
    return false;
}

void Notifier::run() {
    auto backoff = config_.first_retry;
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        // The head stays queued while it is sent: it leaves only delivered.
        const auto event = queue_.front();
        lock.unlock();
        const bool delivered = deliver(event);
        lock.lock();
        if (delivered) {
            queue_.pop_front();
            ++counts_.delivered;
            backoff = config_.first_retry;
            changed_.notify_all();
            continue;
        }
        ++counts_.failed_attempts;
        if (changed_.wait_for(lock, backoff, [this] { return stopping_; })) return;
        backoff = std::min(backoff * 2, config_.max_retry);
    }
}

}  // namespace keel::verifierd
