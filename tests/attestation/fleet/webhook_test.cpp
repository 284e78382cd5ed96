// Verdict-change notifications (notifier.hpp) against a webhook receiver on
// loopback (cpp-httplib): a receiver that fails twice still gets every event
// exactly once and in order; while it is down nothing queued is lost and
// the queue stays within its bound; retries back off; the URL rules; and
// the appraiser posts an event only when a host's state changes.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <thread>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/appraiser.hpp"
#include "attestation/verifierd/event_feed.hpp"
#include "attestation/verifierd/notifier.hpp"
#include "attestation/verifierd/notify_event.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace keel::verifierd {
namespace {

// A webhook receiver: answers `failures` requests with 500 first (and every
// request with 503 while `down`), then 204, keeping what it accepted.
class Receiver {
public:
    Receiver() {
        server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            ++attempts_;
            if (down_ || failures_ > 0) {
                if (failures_ > 0) --failures_;
                res.status = down_ ? 503 : 500;
                return;
            }
            accepted_.push_back(nlohmann::json::parse(req.body));
            res.status = 204;
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~Receiver() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
    void fail_next(int n) {
        std::lock_guard lock(mutex_);
        failures_ = n;
    }
    void set_down(bool down) {
        std::lock_guard lock(mutex_);
        down_ = down;
    }
    std::vector<nlohmann::json> accepted() {
        std::lock_guard lock(mutex_);
        return accepted_;
    }
    int attempts() {
        std::lock_guard lock(mutex_);
        return attempts_;
    }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mutex_;
    int failures_ = 0, attempts_ = 0;
    bool down_ = false;
    std::vector<nlohmann::json> accepted_;
};

NotifyConfig fast(const Receiver& r, std::size_t limit = 100) {
    NotifyConfig c;
    c.webhook = r.url();
    c.queue_limit = limit;
    c.first_retry = std::chrono::milliseconds(20);
    c.max_retry = std::chrono::milliseconds(100);
    c.timeout = std::chrono::seconds(5);
    return c;
}

nlohmann::json event(const std::string& host, HostState state) {
    return verdict_change_event(host, HostState::pending, state, 1796637600000);
}

TEST(FleetWebhook, AReceiverThatFailsTwiceGetsEveryEventOnceAndInOrder) {
    Receiver r;
    r.fail_next(2);
    Notifier n(fast(r));
    // Numbered by the feed, the one fan-out point (event_feed.hpp).
    EventFeed feed("test", EventsConfig{}, &n);
    feed.publish(event("a", HostState::trusted));
    feed.publish(event("b", HostState::not_trusted));
    feed.publish(event("c", HostState::unreachable));
    ASSERT_TRUE(n.drain(std::chrono::seconds(20)));
    const auto got = r.accepted();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]["host_id"], "a");
    EXPECT_EQ(got[0]["event_id"], "test-1");
    EXPECT_EQ(got[0]["state"], "trusted");
    EXPECT_EQ(got[0]["previous"], "pending");
    EXPECT_EQ(got[0]["format"], "keel-verdict-change");
    EXPECT_EQ(got[1]["host_id"], "b");
    EXPECT_EQ(got[2]["host_id"], "c");
    EXPECT_EQ(got[2]["event_id"], "test-3");
    EXPECT_EQ(r.attempts(), 5);
    const auto c = n.counts();
    EXPECT_EQ(c.delivered, 3u);
    EXPECT_EQ(c.failed_attempts, 2u);
    EXPECT_EQ(c.dropped, 0u);
}

TEST(FleetWebhook, WhileTheReceiverIsDownNothingQueuedIsLostAndTheQueueIsBounded) {
    Receiver r;
    r.set_down(true);
    Notifier n(fast(r, 3));
    for (const char* host : {"a", "b", "c"}) EXPECT_TRUE(n.post(event(host, HostState::trusted)));
    // Behind the head that keeps failing, the queue is full.
    EXPECT_FALSE(n.post(event("d", HostState::trusted)));
    EXPECT_FALSE(n.post(event("e", HostState::trusted)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GE(r.attempts(), 2);
    EXPECT_EQ(n.counts().queued, 3u);
    EXPECT_EQ(n.counts().dropped, 2u);
    r.set_down(false);
    ASSERT_TRUE(n.drain(std::chrono::seconds(20)));
    const auto got = r.accepted();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]["host_id"], "a");
    EXPECT_EQ(got[1]["host_id"], "b");
    EXPECT_EQ(got[2]["host_id"], "c");
}

TEST(FleetWebhook, RetriesBackOff) {
    Receiver r;
    r.set_down(true);
    auto config = fast(r);
    config.first_retry = std::chrono::milliseconds(50);
    config.max_retry = std::chrono::milliseconds(400);
    Notifier n(config);
    n.post(event("a", HostState::trusted));
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    // 0, 50, 150, 350, 750 ms (then every 400 ms): about 6 attempts in 1.2 s;
    // without the doubling there would be about 24.
    EXPECT_GE(r.attempts(), 3);  // fewer only on a machine too busy to run the sender
    EXPECT_LE(r.attempts(), 8);
    r.set_down(false);
    EXPECT_TRUE(n.drain(std::chrono::seconds(20)));
}

TEST(FleetWebhook, OnlyHttpsOrHttpToLoopback) {
    const auto url = parse_webhook_url("https://hooks.example:8443/keel/events");
    EXPECT_EQ(url.origin, "https://hooks.example:8443");
    EXPECT_EQ(url.path, "/keel/events");
    EXPECT_EQ(parse_webhook_url("https://hooks.example").path, "/");
    EXPECT_NO_THROW(parse_webhook_url("http://127.0.0.1:9000/hook"));
    EXPECT_NO_THROW(parse_webhook_url("http://[::1]:9000/hook"));
    EXPECT_NO_THROW(parse_webhook_url("http://localhost/hook"));
    EXPECT_THROW(parse_webhook_url("http://hooks.example/hook"), ConfigError);  // verdicts in the clear
    EXPECT_THROW(parse_webhook_url("http://127.0.0.1.example/hook"), ConfigError);
    EXPECT_THROW(parse_webhook_url("ftp://hooks.example/"), ConfigError);
    EXPECT_THROW(parse_webhook_url("hooks.example/hook"), ConfigError);
    EXPECT_THROW(parse_webhook_url("https://user@hooks.example/"), ConfigError);
    Config c;
    c.listen = "127.0.0.1:0";
    c.notify.webhook = "http://hooks.example/hook";
    EXPECT_THROW(check_config(c), ConfigError);
}

TEST(FleetWebhook, AnAppraisalIsNotifiedOnlyWhenItChangesTheHostsState) {
    const std::vector<std::uint16_t> banks = {eventlog::alg_sha256};
    char pattern[] = "/tmp/keel-fleet-webhook-XXXXXX";
    const std::filesystem::path dir = mkdtemp(pattern);
    Receiver r;
    {
        SqliteFleetStore store((dir / "s.sqlite").string());
        Metrics metrics;
        Notifier notifier(fast(r));
        EventFeed feed("test", EventsConfig{}, &notifier);
        Appraiser appraiser(store, metrics);
        appraiser.notify_with(&feed);
        auto ak = test::generate_ec_key(), stranger = test::generate_ec_key();
        FleetHost h;
        h.record.host_id = "node";
        h.record.ek_public = {1, 2, 3};
        h.record.ak_public = test::tpm2b_public(ak.get(), test::ak_attributes);
        h.record.ak_name = evidence::parse_public(h.record.ak_public).name;
        h.record.reference_json = test::reference_json(banks, test::keel_components());
        h.record.policy_json = verifier::write_policy(verifier::Policy{});
        h.mode = AttestMode::push;
        store.enroll(h, false);
        const Bytes nonce(32, 0x5a);
        std::uint64_t clock = 1000;
        const auto appraise = [&](EVP_PKEY* signer) {
            auto host = *store.host("node");
            auto e = parse_evidence_structures(test::launch_evidence(
                test::make_launch(banks), signer, host.record.ak_name, nonce, {++clock, 3, 0, true}));
            return appraiser.appraise(host, nonce, e, AttestMode::push, std::chrono::steady_clock::now());
        };
        const auto first = appraise(ak.get());
        ASSERT_EQ(first.verdict, "trusted");
        appraise(ak.get());  // trusted again: no event
        const auto bad = appraise(stranger.get());
        ASSERT_EQ(bad.verdict, "not-trusted");
        ASSERT_TRUE(notifier.drain(std::chrono::seconds(20)));
        const auto got = r.accepted();
        ASSERT_EQ(got.size(), 2u);
        EXPECT_EQ(got[0]["previous"], "pending");
        EXPECT_EQ(got[0]["state"], "trusted");
        EXPECT_EQ(got[0]["appraisal_id"], first.id);
        EXPECT_EQ(got[1]["previous"], "trusted");
        EXPECT_EQ(got[1]["state"], "not-trusted");
        EXPECT_EQ(got[1]["appraisal_id"], bad.id);
        EXPECT_NE(std::find(got[1]["failed_checks"].begin(), got[1]["failed_checks"].end(), "quote.signature"),
                  got[1]["failed_checks"].end());
    }
    std::filesystem::remove_all(dir);
}

TEST(FleetWebhook, TheConfigurationIsRead) {
    const auto path = std::filesystem::temp_directory_path() / ("keel-notify-" + std::to_string(getpid()) + ".toml");
    std::ofstream(path) << "[notify]\nwebhook = \"https://hooks.example/keel\"\nca = \"hooks-ca.pem\"\n"
                           "queue_limit = 10\nretry_initial_ms = 250\nretry_max_seconds = 30\ntimeout_seconds = 5\n";
    const auto c = load_config(path.string());
    EXPECT_EQ(c.notify.webhook, "https://hooks.example/keel");
    EXPECT_EQ(c.notify.ca, "hooks-ca.pem");
    EXPECT_EQ(c.notify.queue_limit, 10u);
    EXPECT_EQ(c.notify.first_retry, std::chrono::milliseconds(250));
    EXPECT_EQ(c.notify.max_retry, std::chrono::seconds(30));
    EXPECT_EQ(c.notify.timeout, std::chrono::seconds(5));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace keel::verifierd
