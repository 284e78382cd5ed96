#include "attestation/verifierd/metrics.hpp"

#include <sstream>

namespace keel::verifierd {

void Metrics::appraised(const Appraisal& a) {
    const double seconds = static_cast<double>(a.duration_us) / 1e6;
    std::lock_guard lock(mutex_);
    ++verdicts_[a.verdict];
    for (const auto& c : a.checks)
        if (c.status == "fail") ++failed_checks_[c.id];
    for (std::size_t i = 0; i < buckets.size(); ++i)
        if (seconds <= buckets[i]) ++bucket_counts_[i];
    ++count_;
    sum_seconds_ += seconds;
}

void Metrics::rejected(const std::string& reason) {
    std::lock_guard lock(mutex_);
    ++rejected_[reason];
}

void Metrics::pull_failed() {
    std::lock_guard lock(mutex_);
    ++pull_failures_;
}

std::string Metrics::render(const std::vector<FleetHost>& hosts, std::size_t live_instances) const {
    std::map<std::string, std::uint64_t> states;
    for (auto s : {HostState::pending, HostState::trusted, HostState::not_trusted, HostState::unreachable})
        states[state_name(s)] = 0;
    for (const auto& h : hosts)
        if (h.mode != AttestMode::manual) ++states[state_name(h.state)];

    std::lock_guard lock(mutex_);
    std::ostringstream out;
    out << "# HELP keel_appraisals_total Appraisals kept, by verdict.\n# TYPE keel_appraisals_total counter\n";
    for (const char* v : {"trusted", "not-trusted"}) {
        auto it = verdicts_.find(v);
        out << "keel_appraisals_total{verdict=\"" << v << "\"} " << (it == verdicts_.end() ? 0 : it->second) << "\n";
    }
    out << "# HELP keel_check_failures_total Failed named checks.\n# TYPE keel_check_failures_total counter\n";
    for (const auto& [id, n] : failed_checks_) out << "keel_check_failures_total{check=\"" << id << "\"} " << n << "\n";
    out << "# HELP keel_appraisal_duration_seconds Evidence received to verdict stored.\n"
           "# TYPE keel_appraisal_duration_seconds histogram\n";
    for (std::size_t i = 0; i < buckets.size(); ++i)
        out << "keel_appraisal_duration_seconds_bucket{le=\"" << buckets[i] << "\"} " << bucket_counts_[i] << "\n";
    out << "keel_appraisal_duration_seconds_bucket{le=\"+Inf\"} " << count_ << "\n"
        << "keel_appraisal_duration_seconds_sum " << sum_seconds_ << "\n"
        << "keel_appraisal_duration_seconds_count " << count_ << "\n";
    out << "# HELP keel_evidence_rejected_total Requests refused before an appraisal; nothing was stored.\n"
           "# TYPE keel_evidence_rejected_total counter\n";
    for (const auto& [reason, n] : rejected_)
        out << "keel_evidence_rejected_total{reason=\"" << reason << "\"} " << n << "\n";
    out << "# HELP keel_pull_failures_total Pulls that reached no agent.\n# TYPE keel_pull_failures_total counter\n"
        << "keel_pull_failures_total " << pull_failures_ << "\n";
    out << "# HELP keel_hosts Continuously attested hosts, by state.\n# TYPE keel_hosts gauge\n";
    for (const auto& [state, n] : states) out << "keel_hosts{state=\"" << state << "\"} " << n << "\n";
    out << "# HELP keel_hosts_unreachable Hosts that stopped attesting.\n# TYPE keel_hosts_unreachable gauge\n"
        << "keel_hosts_unreachable " << states["unreachable"] << "\n";
    out << "# HELP keel_verifier_instances Verifier instances sharing the store, by their heartbeats.\n"
           "# TYPE keel_verifier_instances gauge\n"
        << "keel_verifier_instances " << live_instances << "\n";
    if (notifier_) {
        const auto n = notifier_->counts();
        out << "# HELP keel_webhook_deliveries_total Webhook deliveries: succeeded, failed attempts (retried), "
               "dropped (the queue was full).\n# TYPE keel_webhook_deliveries_total counter\n"
            << "keel_webhook_deliveries_total{result=\"succeeded\"} " << n.delivered << "\n"
            << "keel_webhook_deliveries_total{result=\"failed\"} " << n.failed_attempts << "\n"
            << "keel_webhook_deliveries_total{result=\"dropped\"} " << n.dropped << "\n"
            << "# HELP keel_webhook_queue_depth Events waiting for the webhook.\n"
               "# TYPE keel_webhook_queue_depth gauge\nkeel_webhook_queue_depth "
            << n.queued << "\n";
    }
    if (feed_) {
        const auto f = feed_->counts();
        out << "# HELP keel_events_published_total Verdict changes published.\n"
               "# TYPE keel_events_published_total counter\nkeel_events_published_total "
            << f.published << "\n"
            << "# HELP keel_event_stream_subscribers Open event streams (GET /v1/events).\n"
               "# TYPE keel_event_stream_subscribers gauge\nkeel_event_stream_subscribers "
            << f.subscribers << "\n"
            << "# HELP keel_event_stream_cut_off_total Event-stream subscribers disconnected for falling behind.\n"
               "# TYPE keel_event_stream_cut_off_total counter\nkeel_event_stream_cut_off_total "
            << f.subscribers_cut_off << "\n";
    }
    return out.str();
}

}  // namespace keel::verifierd
