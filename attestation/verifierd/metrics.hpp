// Prometheus metrics of the verifier (text exposition format 0.0.4):
//   keel_appraisals_total{verdict}            appraisals kept, by verdict
//   keel_check_failures_total{check}          failed named checks
//   keel_appraisal_duration_seconds           histogram: evidence received to verdict stored
//   keel_evidence_rejected_total{reason}      requests refused before an appraisal (nothing stored)
//   keel_pull_failures_total                  pulls that reached no agent
//   keel_hosts{state}                         enrolled hosts by state (unreachable among them)
//   keel_verifier_instances                   verifier instances sharing the store with a fresh heartbeat
//   keel_webhook_deliveries_total{result}     webhook POSTs: succeeded, failed (each failed attempt), dropped
//   keel_webhook_queue_depth                  events waiting for the webhook
//   keel_events_published_total               verdict changes published (event_feed.hpp)
//   keel_event_stream_subscribers             open GET /v1/events streams
//   keel_event_stream_cut_off_total           subscribers disconnected for falling behind
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "attestation/verifierd/event_feed.hpp"
#include "attestation/verifierd/fleet_store.hpp"
#include "attestation/verifierd/notifier.hpp"

namespace keel::verifierd {

class Metrics {
public:
    void appraised(const Appraisal& appraisal);
    void rejected(const std::string& reason);
    void pull_failed();
    // Where the notification counts are read at scrape time; either may be
    // nullptr (no webhook configured: its counts are not shown).
    void observe(const Notifier* notifier, const EventFeed* feed) {
        notifier_ = notifier;
        feed_ = feed;
    }
    // The host and instance gauges come from the store at scrape time, so
    // they are right after a restart and with several writers: a dead
    // instance shows as the count dropping.
    std::string render(const std::vector<FleetHost>& hosts, std::size_t live_instances) const;

private:
    static constexpr std::array<double, 11> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t> verdicts_;
    std::map<std::string, std::uint64_t> failed_checks_;
    std::map<std::string, std::uint64_t> rejected_;
    std::array<std::uint64_t, buckets.size()> bucket_counts_{};
    std::uint64_t count_ = 0;
    double sum_seconds_ = 0;
    std::uint64_t pull_failures_ = 0;
    const Notifier* notifier_ = nullptr;
    const EventFeed* feed_ = nullptr;
};

}  // namespace keel::verifierd
