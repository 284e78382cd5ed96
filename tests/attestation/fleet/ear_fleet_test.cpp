// keel-verifierd's signed attestation results, through its API: a push host
// (software evidence, synthetic_launch.hpp; no TPM) is appraised, and the
// token GET /v1/hosts/{id}/ear returns verifies with the key GET
// /v1/ear-key publishes, names the appraisal's host, nonce, verdict and
// policy, and follows the host when its evidence turns bad. Without
// [ear] signing_key nothing is signed. With [notify], the same daemon's
// verdict changes reach a webhook receiver that fails twice first.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <httplib.h>
#include <mutex>
#include <sstream>
#include <thread>

#include "attestation/ear/ear_token.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/ear_signer.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"
#include "tests/launch/launch_run.hpp"
#include "verifierd_process.hpp"

namespace keel::test {
namespace {

const std::vector<std::uint16_t> banks = {eventlog::alg_sha256};

// How long any one answer or awaited event may take. A sound verifier on
// loopback answers in milliseconds, loaded machine or not; a mutated one
// that streams where a status was due, or has no thread free, would
// otherwise hang the test until CTest's timeout.
constexpr std::chrono::seconds within(10);

class EarFleet : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/keel-ear-fleet-XXXXXX";
        dir_ = mkdtemp(pattern);
        ak_ = generate_ec_key();
        verifierd::FleetHost h;
        h.record.host_id = "node";
        h.record.ek_public = {1, 2, 3};
        h.record.ak_public = tpm2b_public(ak_.get(), ak_attributes);
        h.record.ak_name = evidence::parse_public(h.record.ak_public).name;
        h.record.reference_json = reference_json(banks, keel_components());
        h.record.policy_json = verifier::write_policy(verifier::Policy{});
        h.mode = verifierd::AttestMode::push;
        h.interval = std::chrono::seconds(3600);
        verifierd::SqliteFleetStore store(db());
        store.enroll(h, false);
        record_ = store.host("node")->record;
        pki_ = std::make_unique<TestPki>(dir_);
        auto r = run_process({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                              (dir_ / "ear.key").string()});
        ASSERT_EQ(r.status, 0) << r.output;
    }
    void TearDown() override {
        verifier_.reset();
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }
    std::string db() const { return (dir_ / "fleet.sqlite").string(); }
    void start(bool with_ear, const std::string& more = "") {
        std::ostringstream c;
        c << "listen = \"127.0.0.1:0\"\ndatabase = \"" << db() << "\"\n[tls]\ncertificate = \""
          << pki_->server().certificate << "\"\nprivate_key = \"" << pki_->server().private_key << "\"\nclient_ca = \""
          << pki_->ca() << "\"\n[api]\noperators = [\"operator\"]\n";
        if (with_ear) c << "[ear]\nsigning_key = \"" << (dir_ / "ear.key").string() << "\"\n";
        c << more;
        const auto dir = dir_ / (with_ear ? "with-ear" : "without-ear");
        std::filesystem::create_directories(dir);
        verifier_ = std::make_unique<VerifierdProcess>(dir, c.str());
    }
    Reply as(const std::string& cn, const std::string& method, const std::string& path, const std::string& body = "") {
        return call(verifier_->port(), pki_->ca(), pki_->client(cn), method, path, body, within);
    }
    // One push round: a fresh nonce, evidence over it signed by `signer`
    // (naming the enrolled AK), the appraisal the verifier answers with.
    nlohmann::json push(EVP_PKEY* signer, Bytes& nonce) {
        auto n = as("node", "POST", "/v1/hosts/node/nonce");
        EXPECT_EQ(n.status, 200) << n.body;
        nonce = eventlog::from_hex(n.json["nonce"].get<std::string>()).value();
        const auto document =
            launch_evidence(make_launch(banks), signer, record_.ak_name, nonce, {++clock_, 3, 0, true});
        auto e = as("node", "POST", "/v1/hosts/node/evidence", evidence::write_evidence(document));
        EXPECT_EQ(e.status, 200) << e.body;
        return e.json;
    }

    std::filesystem::path dir_;
    evidence::EvpPkey ak_;
    verifier::HostRecord record_;
    std::unique_ptr<TestPki> pki_;
    std::unique_ptr<VerifierdProcess> verifier_;
    std::uint64_t clock_ = 1000;
};

TEST_F(EarFleet, SignedResultsVerifyWithThePublishedKeyAndAreTheAppraisals) {
    // Appraisals in the second the host was enrolled are not signed
    // (ear_signer.hpp); this host was enrolled before the PKI was made.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    start(true);
    // The key is public: no client certificate is needed for it.
    auto published = call(verifier_->port(), pki_->ca(), std::nullopt, "GET", "/v1/ear-key", "", within);
    ASSERT_EQ(published.status, 200) << published.body;
    EXPECT_FALSE(published.json.contains("d"));
    auto key = ear::load_verification_key(published.body);

    EXPECT_EQ(as("operator", "GET", "/v1/hosts/node/ear").status, 404);  // not appraised yet

    Bytes nonce;
    auto appraisal = push(ak_.get(), nonce);
    ASSERT_EQ(appraisal["verdict"], "trusted") << appraisal.dump();
    auto token = as("operator", "GET", "/v1/hosts/node/ear");
    ASSERT_EQ(token.status, 200) << token.body;
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto ear = ear::verify_ear(token.body, key.get(), now);
    EXPECT_EQ(ear.header["kid"], published.json["kid"]);
    EXPECT_EQ(ear.claims["eat_nonce"], ear::to_base64url(nonce));
    EXPECT_LE(std::abs(ear.claims["iat"].get<std::int64_t>() - now), 60);
    EXPECT_EQ(ear.claims["ear.verifier-id"]["developer"], "keel");
    ASSERT_TRUE(ear.claims["submods"].contains("node"));
    auto submod = ear.claims["submods"]["node"];
    EXPECT_EQ(submod["ear.status"], "affirming");
    EXPECT_EQ(submod["ear.keel.verdict"], "trusted");
    EXPECT_EQ(submod["ear.keel.appraisal-id"], appraisal["id"]);
    EXPECT_EQ(submod["ear.appraisal-policy-id"], verifierd::appraisal_policy_id(record_));
    EXPECT_EQ(submod["ear.keel.checks"].size(), appraisal["checks"].size());

    // The host may fetch its own result (to hand to a relying party), not
    // another host's; a certificate from another CA gets nothing.
    EXPECT_EQ(as("node", "GET", "/v1/hosts/node/ear").status, 200);
    EXPECT_EQ(as("other", "GET", "/v1/hosts/node/ear").status, 403);
    EXPECT_EQ(call(verifier_->port(), pki_->ca(), std::nullopt, "GET", "/v1/hosts/node/ear", "", within).status, 401);

    // Evidence that turns bad: signed by another key. The next token says so,
    // over the new nonce.
    auto stranger = generate_ec_key();
    Bytes second_nonce;
    auto bad = push(stranger.get(), second_nonce);
    ASSERT_EQ(bad["verdict"], "not-trusted");
    token = as("operator", "GET", "/v1/hosts/node/ear");
    ASSERT_EQ(token.status, 200) << token.body;
    ear = ear::verify_ear(token.body, key.get(), now);
    EXPECT_EQ(ear.claims["eat_nonce"], ear::to_base64url(second_nonce));
    EXPECT_EQ(ear.claims["submods"]["node"]["ear.status"], "contraindicated");
    EXPECT_EQ(ear.claims["submods"]["node"]["ear.keel.appraisal-id"], bad["id"]);

    // Verified with any other key, the token is refused.
    auto other = generate_ec_key();
    EXPECT_THROW(ear::verify_ear(token.body, other.get(), now), ear::TokenRefused);
}

TEST_F(EarFleet, WithoutASigningKeyNothingIsSigned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    start(false);
    Bytes nonce;
    ASSERT_EQ(push(ak_.get(), nonce)["verdict"], "trusted");
    auto token = as("operator", "GET", "/v1/hosts/node/ear");
    EXPECT_EQ(token.status, 404);
    EXPECT_NE(token.json.value("error", "").find("signing_key"), std::string::npos) << token.body;
    EXPECT_EQ(call(verifier_->port(), pki_->ca(), std::nullopt, "GET", "/v1/ear-key", "", within).status, 404);
}

// The same daemon with [notify]: its verdict changes reach a webhook
// receiver (cpp-httplib on loopback) that fails its first two requests.
using WebhookFleet = EarFleet;

TEST_F(WebhookFleet, VerdictChangesReachAReceiverThatFailsTwice) {
    httplib::Server receiver;
    std::mutex mutex;
    std::vector<nlohmann::json> events;
    int attempts = 0;
    receiver.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        if (++attempts <= 2) {
            res.status = 500;
            return;
        }
        events.push_back(nlohmann::json::parse(req.body));
        res.status = 204;
    });
    const int port = receiver.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { receiver.listen_after_bind(); });
    start(false, "[notify]\nwebhook = \"http://127.0.0.1:" + std::to_string(port) +
                     "/hook\"\nretry_initial_ms = 50\nretry_max_seconds = 1\n");
    Bytes nonce;
    auto good = push(ak_.get(), nonce);
    push(ak_.get(), nonce);  // trusted again: no event
    auto stranger = generate_ec_key();
    auto bad = push(stranger.get(), nonce);
    const auto received = [&] {
        std::lock_guard lock(mutex);
        return events.size();
    };
    for (auto until = std::chrono::steady_clock::now() + within;
         received() < 2 && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing more is coming
    receiver.stop();
    serving.join();
    ASSERT_EQ(events.size(), 2u) << verifier_->log();
    EXPECT_EQ(events[0]["host_id"], "node");
    EXPECT_EQ(events[0]["previous"], "pending");
    EXPECT_EQ(events[0]["state"], "trusted");
    EXPECT_EQ(events[0]["appraisal_id"], good["id"]);
    EXPECT_EQ(events[1]["previous"], "trusted");
    EXPECT_EQ(events[1]["state"], "not-trusted");
    EXPECT_EQ(events[1]["appraisal_id"], bad["id"]);
    EXPECT_NE(events[0]["event_id"], events[1]["event_id"]);
    EXPECT_EQ(attempts, 4);
    const auto metrics = as("operator", "GET", "/metrics").body;
    EXPECT_NE(metrics.find("keel_webhook_deliveries_total{result=\"succeeded\"} 2\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("keel_webhook_deliveries_total{result=\"failed\"} 2\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("keel_webhook_deliveries_total{result=\"dropped\"} 0\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("keel_webhook_queue_depth 0\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("keel_events_published_total 2\n"), std::string::npos) << metrics;
}

// GET /v1/events on the same daemon: an event-stream subscriber over mutual
// TLS (cpp-httplib's client, reading the chunks as they come).
class Subscriber {
public:
    // `stall`: after the greeting, stop reading (the connection stays open
    // and the verifier's writes pile up in it).
    Subscriber(int port, const std::string& ca, const ClientCert& cert, std::optional<std::string> last_event_id = {},
               bool stall = false)
        : stall_(stall) {
        thread_ = std::thread([=, this] {
            httplib::SSLClient c("127.0.0.1", port, cert.certificate, cert.private_key);
            c.set_ca_cert_path(ca.c_str());
            c.enable_server_certificate_verification(true);
            // Heartbeats come every second: a stream silent for longer than
            // this (or a handshake no thread serves) has failed.
            c.set_connection_timeout(within);
            c.set_read_timeout(within);
            httplib::Headers headers;
            if (last_event_id) headers.emplace("Last-Event-ID", *last_event_id);
            c.Get(
                "/v1/events", headers,
                [&](const httplib::Response& r) {
                    std::lock_guard lock(mutex_);
                    status_ = r.status;
                    content_type_ = r.get_header_value("Content-Type");
                    return true;
                },
                [&](const char* data, std::size_t n) {
                    std::unique_lock lock(mutex_);
                    text_.append(data, n);
                    changed_.notify_all();
                    if (stall_) changed_.wait(lock, [&] { return leaving_; });
                    return !leaving_;
                });
            std::lock_guard lock(mutex_);
            ended_ = true;
            changed_.notify_all();
        });
    }
    ~Subscriber() {
        {
            std::lock_guard lock(mutex_);
            leaving_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    // Waits (at most `within`: only so a broken verifier cannot hang the
    // test) until `done` holds for what was received.
    bool wait_until(const std::function<bool(const std::string&)>& done) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, within, [&] { return done(text_) || ended_; }) && done(text_);
    }
    bool subscribed() {
        return wait_until([](const std::string& t) { return t.find(": keel-verifierd verdict changes") == 0; });
    }
    // The events received, as (event type, data); comments and ids left out.
    std::vector<std::pair<std::string, nlohmann::json>> events() {
        std::lock_guard lock(mutex_);
        std::vector<std::pair<std::string, nlohmann::json>> out;
        std::size_t at = 0;
        for (auto end = text_.find("\n\n"); end != std::string::npos; at = end + 2, end = text_.find("\n\n", at)) {
            std::istringstream block(text_.substr(at, end - at));
            std::string line, type, id;
            nlohmann::json data;
            while (std::getline(block, line)) {
                if (line.rfind("event: ", 0) == 0) type = line.substr(7);
                if (line.rfind("id: ", 0) == 0) id = line.substr(4);
                if (line.rfind("data: ", 0) == 0) data = nlohmann::json::parse(line.substr(6));
            }
            if (type.empty()) continue;
            if (type == "keel-verdict-change") { EXPECT_EQ(id, data["event_id"]); }
            out.emplace_back(type, data);
        }
        return out;
    }
    std::size_t count(const std::string& type) {
        std::size_t n = 0;
        for (const auto& e : events()) n += e.first == type;
        return n;
    }
    std::string text() {
        std::lock_guard lock(mutex_);
        return text_;
    }
    int status() {
        std::lock_guard lock(mutex_);
        return status_;
    }

private:
    const bool stall_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string text_, content_type_;
    int status_ = 0;
    bool leaving_ = false, ended_ = false;
    std::thread thread_;
};

class EventsFleet : public EarFleet {
protected:
    void start_with_events(const std::string& events) { start(false, "[events]\nheartbeat_seconds = 1\n" + events); }
    std::unique_ptr<Subscriber> subscribe(std::optional<std::string> last = {}, bool stall = false) {
        auto s = std::make_unique<Subscriber>(verifier_->port(), pki_->ca(), pki_->client("operator"), last, stall);
        EXPECT_TRUE(s->subscribed()) << s->text() << verifier_->log();
        return s;
    }
    static std::function<bool(const std::string&)> changes(std::size_t n) {
        return [n](const std::string& t) {
            std::size_t found = 0;
            for (auto at = t.find("event: keel-verdict-change"); at != std::string::npos;
                 at = t.find("event: keel-verdict-change", at + 1))
                ++found;
            return found >= n;
        };
    }
    std::uint64_t metric(const std::string& name) {
        auto m = as("operator", "GET", "/metrics");
        EXPECT_EQ(m.status, 200);
        const auto at = m.body.find("\n" + name + " ");
        if (at == std::string::npos) return ~0ull;
        return std::stoull(m.body.substr(at + name.size() + 2));
    }
};

TEST_F(EventsFleet, TwoSubscribersBothSeeAHostWhoseEvidenceTurnsBad) {
    start_with_events("");
    auto one = subscribe(), two = subscribe();
    EXPECT_EQ(metric("keel_event_stream_subscribers"), 2u);
    Bytes nonce;
    auto good = push(ak_.get(), nonce);
    ASSERT_EQ(good["verdict"], "trusted");
    auto stranger = generate_ec_key();
    auto bad = push(stranger.get(), nonce);
    ASSERT_EQ(bad["verdict"], "not-trusted");
    for (auto* s : {one.get(), two.get()}) {
        ASSERT_TRUE(s->wait_until(changes(2))) << s->text();
        EXPECT_EQ(s->status(), 200);
        const auto got = s->events();
        ASSERT_EQ(got.size(), 2u) << s->text();
        EXPECT_EQ(got[0].second["state"], "trusted");
        EXPECT_EQ(got[0].second["appraisal_id"], good["id"]);
        EXPECT_EQ(got[1].second["host_id"], "node");
        EXPECT_EQ(got[1].second["previous"], "trusted");
        EXPECT_EQ(got[1].second["state"], "not-trusted");
        EXPECT_EQ(got[1].second["appraisal_id"], bad["id"]);
        EXPECT_EQ(got[1].second["format"], "keel-verdict-change");
    }
    EXPECT_EQ(one->events()[1].second, two->events()[1].second);  // one event, fanned out
    EXPECT_EQ(metric("keel_events_published_total"), 2u);
}

TEST_F(EventsFleet, LastEventIdResumesWithExactlyTheMissedOnesAndAnOlderIdIsLost) {
    start_with_events("ring = 2\n");
    auto stranger = generate_ec_key();
    Bytes nonce;
    std::vector<std::string> ids;
    {
        auto s = subscribe();
        push(ak_.get(), nonce);  // pending -> trusted: event 1
        push(stranger.get(), nonce);  // -> not-trusted: event 2
        ASSERT_TRUE(s->wait_until(changes(2))) << s->text();
        for (const auto& e : s->events()) ids.push_back(e.second["event_id"]);
    }
    // Missed while disconnected: events 3 and 4 (the ring keeps only these).
    auto third = push(ak_.get(), nonce);
    auto fourth = push(stranger.get(), nonce);
    auto resumed = subscribe(ids[1]);
    ASSERT_TRUE(resumed->wait_until(changes(2))) << resumed->text();
    // Two heartbeats later nothing more has come: exactly the missed ones.
    ASSERT_TRUE(resumed->wait_until([](const std::string& t) {
        return t.find(": keep-alive\n\n", t.find(": keep-alive\n\n") + 1) != std::string::npos;
    }));
    auto got = resumed->events();
    ASSERT_EQ(got.size(), 2u) << resumed->text();
    EXPECT_EQ(got[0].second["appraisal_id"], third["id"]);
    EXPECT_EQ(got[1].second["appraisal_id"], fourth["id"]);
    EXPECT_EQ(resumed->count("keel-events-lost"), 0u);

    // Event 2 left the ring: what came after event 1 cannot all be given.
    auto late = subscribe(ids[0]);
    ASSERT_TRUE(late->wait_until(changes(2))) << late->text();
    got = late->events();
    ASSERT_EQ(got.size(), 3u) << late->text();
    EXPECT_EQ(got[0].first, "keel-events-lost");
    EXPECT_EQ(got[0].second["last_event_id"], ids[0]);
    EXPECT_EQ(got[1].second["appraisal_id"], third["id"]);
}

TEST_F(EventsFleet, OnlyOperatorsMaySubscribe) {
    start_with_events("");
    auto anonymous = call(verifier_->port(), pki_->ca(), std::nullopt, "GET", "/v1/events", "", within);
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    auto host = call(verifier_->port(), pki_->ca(), pki_->client("node"), "GET", "/v1/events", "", within);
    EXPECT_EQ(host.status, 403) << host.body;
    auto rogue = call(verifier_->port(), pki_->ca(), pki_->client("operator", true), "GET", "/v1/events", "", within);
    EXPECT_EQ(rogue.status, 0) << rogue.body;
    EXPECT_EQ(metric("keel_event_stream_subscribers"), 0u);
}

TEST_F(EventsFleet, OneSubscriberMoreThanTheLimitGets503AndOtherRequestsGoOn) {
    start_with_events("max_subscribers = 2\n");
    auto one = subscribe(), two = subscribe();
    auto third = as("operator", "GET", "/v1/events");
    ASSERT_EQ(third.status, 503) << third.body;
    EXPECT_NE(third.json.value("error", "").find("max_subscribers"), std::string::npos) << third.body;
    EXPECT_EQ(as("operator", "GET", "/v1/hosts").status, 200);
    one.reset();  // one leaves: one may come
    std::unique_ptr<Subscriber> again;
    for (auto until = std::chrono::steady_clock::now() + within; !again && std::chrono::steady_clock::now() < until;) {
        if (metric("keel_event_stream_subscribers") < 2)
            again = subscribe();
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status(), 200);
}

// Each open stream holds a thread of the API's pool; the pool has threads
// beyond max_subscribers (api_server.hpp), so with every stream open the
// API still answers.
TEST_F(EventsFleet, WithEveryStreamOpenTheApiStillAnswers) {
    start_with_events("");  // max_subscribers: the default, 8
    std::vector<std::unique_ptr<Subscriber>> streams;
    for (int i = 0; i < 8; ++i) streams.push_back(subscribe());
    // Unanswered, the rest (a push, more requests) would only wait as long
    // again for each request.
    auto hosts = as("operator", "GET", "/v1/hosts");
    ASSERT_EQ(hosts.status, 200) << hosts.body;
    Bytes nonce;
    EXPECT_EQ(push(ak_.get(), nonce)["verdict"], "trusted");
    auto ninth = as("operator", "GET", "/v1/events");
    EXPECT_EQ(ninth.status, 503) << ninth.body;
    for (auto& s : streams) ASSERT_TRUE(s->wait_until(changes(1))) << s->text();
}

TEST_F(EventsFleet, ASubscriberThatNeverReadsDoesNotHoldUpAppraisals) {
    start_with_events("subscriber_buffer = 4\n");
    auto stalled = subscribe(std::nullopt, true), reader = subscribe();
    auto stranger = generate_ec_key();
    Bytes nonce;
    // Every round changes the host's state: 40 events, ten times what the
    // stalled subscriber may have waiting. Each appraisal is answered, and
    // the reader and other requests are served all along.
    for (int i = 0; i < 40; ++i) {
        auto a = push(i % 2 ? stranger.get() : ak_.get(), nonce);
        ASSERT_EQ(a["verdict"], i % 2 ? "not-trusted" : "trusted");
        ASSERT_EQ(as("operator", "GET", "/healthz").status, 200);
    }
    ASSERT_TRUE(reader->wait_until(changes(40))) << reader->text();
    EXPECT_EQ(reader->count("keel-verdict-change"), 40u);
    EXPECT_EQ(metric("keel_events_published_total"), 40u);
}

}  // namespace
}  // namespace keel::test
