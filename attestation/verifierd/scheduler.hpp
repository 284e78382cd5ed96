// Continuous attestation: claims the pull-mode hosts that are due from the
// store, pulls their evidence (a few worker threads), and marks any attested
// host unreachable when it has given no evidence for the configured number
// of intervals. The schedule lives in the store (each host's next due time
// and a lease while it is being pulled), so a verifier restart resumes every
// host's schedule, and several instances sharing one store split the fleet
// between them: each claims due hosts that no live instance holds, and the
// hosts of an instance that stopped its heartbeat are claimed by the others.
// A store that fails (PostgreSQL restarting) is retried with backoff; no
// host is judged meanwhile, and silence counts again only from when the
// store came back (the verifier's own outage is not the hosts' silence).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "attestation/verifierd/appraiser.hpp"
#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

// An instance writes its heartbeat this often; one silent for
// `instance_timeout` is dead and its leases are void. Four missed beats, so
// a slow store round trip does not hand a live instance's hosts away (which
// would cost a wasted pull, never a second appraisal: see Lease).
constexpr auto heartbeat_period = std::chrono::milliseconds(500);
constexpr auto instance_timeout = std::chrono::seconds(2);

class Scheduler {
public:
    Scheduler(FleetStore& store, Appraiser& appraiser, Metrics& metrics, const Config& config, std::string instance);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void start();  // starts the threads
    void stop();  // and leaves the store's instance list, releasing its leases
    // A host enrolled (or enrolled again) while running: it is due now.
    void watch(const FleetHost& host);
    const std::string& instance() const { return instance_; }
    // Hosts it marks unreachable are published to `feed`; before start().
    void notify_with(EventFeed* feed) { feed_ = feed; }

private:
    using Clock = std::chrono::steady_clock;
    void run();
    void tick(Millis now);
    void work();
    void pull(const FleetHost& host);
    Lease lease_for(const FleetHost& host) const;

    FleetStore& store_;
    Appraiser& appraiser_;
    Metrics& metrics_;
    const Config& config_;
    const std::string instance_;
    std::mutex mutex_;
    std::condition_variable schedule_changed_, work_ready_;
    std::deque<FleetHost> queue_;  // claimed, not yet pulled
    unsigned busy_ = 0;  // being pulled
    bool stopping_ = false;
    Millis watching_since_ = 0;  // silence before this is the verifier's, not the hosts'
    Millis next_heartbeat_ = 0, next_unreachable_check_ = 0;
    bool store_failing_ = false;
    EventFeed* feed_ = nullptr;

    std::vector<std::thread> threads_;
};

}  // namespace keel::verifierd
