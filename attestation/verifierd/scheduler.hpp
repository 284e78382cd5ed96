// Continuous attestation: pulls each pull-mode host's evidence on its
// interval (a few worker threads, one pull per host at a time) and marks
// any attested host unreachable when it has given no evidence for the
// configured number of intervals. The schedule is rebuilt from the store at
// start: a host is next due one interval after its last try, so a verifier
// restart resumes every host's schedule instead of starting it over (and
// does not call a host unreachable for a silence the verifier itself caused
// by being down: silence counts from when this process started watching).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "attestation/verifierd/appraiser.hpp"
#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

class Scheduler {
public:
    Scheduler(FleetStore& store, Appraiser& appraiser, Metrics& metrics, const Config& config);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void start();  // loads the enrolled hosts and starts the threads
    void stop();
    // A host enrolled (or enrolled again) while running.
    void watch(const FleetHost& host);

private:
    using Clock = std::chrono::steady_clock;
    struct Entry {
        AttestMode mode = AttestMode::manual;
        std::string agent_url;
        std::chrono::seconds interval{60};
        Clock::time_point next_due;
        bool in_flight = false;
    };
    void add(const FleetHost& host, Millis now, Clock::time_point steady_now);
    void run();
    void work();
    void pull(const std::string& host_id);
    void check_unreachable();

    FleetStore& store_;
    Appraiser& appraiser_;
    Metrics& metrics_;
    const Config& config_;
    std::mutex mutex_;
    std::condition_variable schedule_changed_, work_ready_;
    std::map<std::string, Entry> entries_;
    std::deque<std::string> queue_;
    bool stopping_ = false;
    Millis started_ = 0;  // silence before this is the verifier's, not the hosts'

    std::vector<std::thread> threads_;
};

}  // namespace keel::verifierd
