// A fleet on loopback: keel-agents on swtpm (each through a simulated
// dynamic launch), attested by a real keel-verifierd over mutual TLS, in
// pull mode (the verifier asks the agent) and push mode (keel-agent push
// connects out). Everything is a real process; the tests wait for what the
// verifier reports through its API and never assert how long it took.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <httplib.h>
#include <sstream>
#include <thread>

#include "attestation/eventlog/parser.hpp"
#include "flow/simulated_host.hpp"
#include "test_pki.hpp"
#include "verifierd_process.hpp"

namespace keel::test {
namespace {

using nlohmann::json;

constexpr auto patience = std::chrono::seconds(90);

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Polls until `done` holds; false when patience ran out.
bool eventually(const std::function<bool()>& done) {
    for (auto end = std::chrono::steady_clock::now() + patience; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(std::chrono::milliseconds(100)))
        if (done()) return true;
    return done();
}

json agent_get(const std::string& url, const std::string& path) {
    httplib::Client c(url);
    c.set_read_timeout(60, 0);
    auto r = c.Get(path.c_str());
    if (!r || r->status != 200) throw std::runtime_error("agent " + url + path + " failed");
    return json::parse(r->body);
}

json agent_post(const std::string& url, const std::string& path, const std::string& body) {
    httplib::Client c(url);
    c.set_read_timeout(60, 0);
    auto r = c.Post(path.c_str(), body, "application/json");
    if (!r || r->status != 200) throw std::runtime_error("agent " + url + path + " failed");
    return json::parse(r->body);
}

// A DRTM log with its last event recorded twice: the replay no longer gives
// the quoted PCRs (eventlog.drtm fails).
void tamper_with_log(const std::string& path) {
    const auto text = read_file(path);
    evidence::Bytes log(text.begin(), text.end());
    auto parsed = eventlog::parse(log);
    const auto last = parsed.events.back().offset;
    const auto end = log.size() - parsed.padding_bytes;
    evidence::Bytes out(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(end));
    out.insert(out.end(), log.begin() + static_cast<std::ptrdiff_t>(last),
               log.begin() + static_cast<std::ptrdiff_t>(end));
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

// keel-agent push for one simulated host (which must not be serving: swtpm
// takes one client at a time).
class PushAgent {
public:
    PushAgent(SimulatedHost& host, const std::string& host_id, const ClientCert& cert, const std::string& ca,
              const std::string& verifier_url) {
        std::vector<std::string> argv = {KEEL_AGENT_PATH, "push",
                                         "--tcti",        host.tpm().tcti(),
                                         "--drtm-log",    host.drtm_log_file(),
                                         "--verifier",    verifier_url,
                                         "--host-id",     host_id,
                                         "--cert",        cert.certificate,
                                         "--key",         cert.private_key,
                                         "--verifier-ca", ca,
                                         "--retry",       "1"};
        process_ = std::make_unique<platform::ChildProcess>(platform::SpawnOptions{
            argv, host.dir() / ("push-" + host_id + ".out"), host.dir() / ("push-" + host_id + ".err"), true, false});
    }
    void kill() {
        ::kill(process_->pid(), SIGKILL);
        process_->wait_for(std::chrono::seconds(10));
    }

private:
    std::unique_ptr<platform::ChildProcess> process_;
};

struct FleetOptions {
    int interval_seconds = 1;
    int unreachable_after = 2;
    int nonce_lifetime_seconds = 60;
    std::size_t max_body_bytes = 1u << 20;
};

class Fleet : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/keel-fleet-XXXXXX";
        dir_ = mkdtemp(pattern);
        pki_ = std::make_unique<TestPki>(dir_);
        operator_ = pki_->client("operator");
    }
    void TearDown() override {
        push_.clear();
        verifier_.reset();
        hosts_.clear();
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }

    std::string config(const FleetOptions& o, int port = 0) const {
        std::ostringstream c;
        c << "listen = \"127.0.0.1:" << port << "\"\n"
          << "database = \"" << (dir_ / "fleet.sqlite").string() << "\"\n"
          << "[tls]\ncertificate = \"" << pki_->server().certificate << "\"\nprivate_key = \""
          << pki_->server().private_key << "\"\nclient_ca = \"" << pki_->ca() << "\"\n"
          << "[api]\noperators = [\"operator\"]\nmax_body_bytes = " << o.max_body_bytes << "\n"
          << "[attestation]\ndefault_interval_seconds = " << o.interval_seconds
          << "\nunreachable_after_intervals = " << o.unreachable_after
          << "\nnonce_lifetime_seconds = " << o.nonce_lifetime_seconds << "\n"
          << "[enrolment]\nek_ca = [\"/var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem\", "
             "\"/var/lib/swtpm-localca/issuercert.pem\"]\n";
        return c.str();
    }
    void start_verifier(const FleetOptions& o = {}) {
        options_ = o;
        verifier_ = std::make_unique<VerifierdProcess>(dir_, config(o));
    }

    Reply api(const std::optional<ClientCert>& who, const std::string& method, const std::string& path,
              const std::string& body = "") {
        return call(verifier_->port(), pki_->ca(), who, method, path, body);
    }
    Reply as_operator(const std::string& method, const std::string& path, const std::string& body = "") {
        return api(operator_, method, path, body);
    }

    SimulatedHost& boot(const std::string& host_id) {
        hosts_[host_id] = std::make_unique<SimulatedHost>();
        return *hosts_[host_id];
    }

    // Enrolment through the API, as an operator would do it: the agent's
    // identity in, the challenge to the agent, its answer back.
    Reply enroll(const std::string& host_id, const std::string& mode) {
        auto& host = *hosts_.at(host_id);
        json request = {{"host_id", host_id},
                        {"mode", mode},
                        {"identity", agent_get(host.url(), "/v1/identity")},
                        {"reference_values", json::parse(read_file(host.reference_file()))}};
        if (mode == "pull") request["agent_url"] = host.url();
        auto begun = as_operator("POST", "/v1/enrollments", request.dump());
        if (begun.status != 201) return begun;
        auto answer = agent_post(host.url(), "/v1/activate", begun.json["challenge"].dump());
        return as_operator("POST", "/v1/enrollments/" + host_id + "/answer", answer.dump());
    }
    // Enrolled in push mode, then its agent switched from serving to pushing.
    void enroll_push(const std::string& host_id) {
        auto e = enroll(host_id, "push");
        ASSERT_EQ(e.status, 201) << e.body;
        hosts_.at(host_id)->stop_agent();
        start_push(host_id);
    }
    void start_push(const std::string& host_id) {
        push_[host_id] = std::make_unique<PushAgent>(*hosts_.at(host_id), host_id, pki_->client(host_id), pki_->ca(),
                                                     verifier_->url());
    }

    json host_status(const std::string& host_id) { return as_operator("GET", "/v1/hosts/" + host_id).json; }
    json appraisals(const std::string& host_id) {
        auto r = as_operator("GET", "/v1/hosts/" + host_id + "/appraisals?limit=1000");
        return r.status == 200 ? r.json["appraisals"] : json::array();
    }
    std::int64_t newest_appraisal(const std::string& host_id) {
        auto list = appraisals(host_id);
        return list.empty() ? 0 : list[0]["id"].get<std::int64_t>();
    }
    std::string metrics() { return as_operator("GET", "/metrics").body; }

    std::filesystem::path dir_;
    std::unique_ptr<TestPki> pki_;
    ClientCert operator_;
    FleetOptions options_;
    std::map<std::string, std::unique_ptr<SimulatedHost>> hosts_;
    std::unique_ptr<VerifierdProcess> verifier_;
    std::map<std::string, std::unique_ptr<PushAgent>> push_;
};

bool all_checks_pass(const json& appraisal) {
    for (const auto& c : appraisal["checks"])
        if (c["status"] == "fail") return false;
    return appraisal["verdict"] == "trusted";
}

TEST_F(Fleet, PullAndPushHostsAreAttestedContinuouslyOverMutualTls) {
    auto& pulled = boot("pulled");
    boot("pushed");
    start_verifier();
    auto e = enroll("pulled", "pull");
    ASSERT_EQ(e.status, 201) << e.body;
    EXPECT_EQ(e.json["verdict"], "enrolled");
    enroll_push("pushed");

    for (const char* id : {"pulled", "pushed"}) {
        ASSERT_TRUE(eventually([&] { return appraisals(id).size() >= 2; })) << id << "\n" << verifier_->log();
        auto list = appraisals(id);
        for (const auto& a : list) EXPECT_TRUE(all_checks_pass(a)) << a.dump(2);
        EXPECT_EQ(list[0]["checks"].size(), 12u);
        EXPECT_EQ(list[0]["nonce"].get<std::string>().size(), 64u);
        EXPECT_NE(list[0]["nonce"], list[1]["nonce"]);  // a fresh nonce each time
        auto status = host_status(id);
        EXPECT_EQ(status["state"], "trusted") << status.dump(2);
        EXPECT_TRUE(status["last_attestation"].is_string());
        EXPECT_EQ(status["last_appraisal"]["verdict"], "trusted");
    }
    EXPECT_EQ(appraisals("pulled")[0]["mode"], "pull");
    EXPECT_EQ(appraisals("pushed")[0]["mode"], "push");
    EXPECT_EQ(host_status("pulled")["agent_url"], pulled.url());
    // A pull host does not push.
    EXPECT_EQ(api(pki_->client("pulled"), "POST", "/v1/hosts/pulled/nonce").status, 409);

    auto hosts = as_operator("GET", "/v1/hosts");
    ASSERT_EQ(hosts.status, 200);
    EXPECT_EQ(hosts.json["hosts"].size(), 2u);

    auto health = api(std::nullopt, "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json["status"], "ok");
    EXPECT_EQ(health.json["schema_version"], 5);

    const auto m = metrics();
    EXPECT_NE(m.find("keel_hosts{state=\"trusted\"} 2\n"), std::string::npos) << m;
    EXPECT_NE(m.find("keel_hosts_unreachable 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("keel_verifier_instances 1\n"), std::string::npos) << "this one, by its heartbeat\n" << m;
    EXPECT_NE(m.find("# TYPE keel_appraisal_duration_seconds histogram"), std::string::npos);
    EXPECT_EQ(m.find("keel_appraisals_total{verdict=\"trusted\"} 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("keel_appraisals_total{verdict=\"not-trusted\"} 0\n"), std::string::npos) << m;
    // Every request is logged with the client's certificate name.
    EXPECT_NE(verifier_->log().find("operator \"GET /v1/hosts\" 200"), std::string::npos) << verifier_->log();
    EXPECT_NE(verifier_->log().find("pushed \"POST /v1/hosts/pushed/evidence\" 200"), std::string::npos);
}

TEST_F(Fleet, EvidenceThatTurnsBadIsFlaggedWithinOneInterval) {
    auto& pulled = boot("pulled");
    auto& pushed = boot("pushed");
    start_verifier();
    ASSERT_EQ(enroll("pulled", "pull").status, 201);
    enroll_push("pushed");
    for (const char* id : {"pulled", "pushed"})
        ASSERT_TRUE(eventually([&] { return host_status(id)["state"] == "trusted"; })) << id;

    const std::map<std::string, std::int64_t> before = {{"pulled", newest_appraisal("pulled")},
                                                        {"pushed", newest_appraisal("pushed")}};
    tamper_with_log(pulled.drtm_log_file());
    tamper_with_log(pushed.drtm_log_file());
    for (const auto& [id, last] : before) {
        // One appraisal may have been under way while the log changed; the
        // one after it, a single interval later, must see the change.
        ASSERT_TRUE(eventually([&, last = last, id = id] {
            auto list = appraisals(id);
            return list.size() >= 2 && list[1]["id"].get<std::int64_t>() > last;
        })) << id;
        auto list = appraisals(id);
        std::size_t first_after = 0;
        while (first_after + 1 < list.size() && list[first_after + 1]["id"].get<std::int64_t>() > last) ++first_after;
        const auto& flagged = list[first_after - 1];  // the second appraisal after the change
        EXPECT_EQ(flagged["verdict"], "not-trusted") << id << flagged.dump(2);
        EXPECT_EQ(flagged["failed_checks"], json::array({"eventlog.drtm"})) << flagged.dump(2);
        EXPECT_EQ(host_status(id)["state"], "not-trusted");
    }
    EXPECT_NE(metrics().find("keel_check_failures_total{check=\"eventlog.drtm\"}"), std::string::npos);
}

TEST_F(Fleet, HostWhoseAgentIsKilledGoesUnreachable) {
    auto& pulled = boot("pulled");
    boot("pushed");
    start_verifier();
    ASSERT_EQ(enroll("pulled", "pull").status, 201);
    enroll_push("pushed");
    for (const char* id : {"pulled", "pushed"})
        ASSERT_TRUE(eventually([&] { return host_status(id)["state"] == "trusted"; })) << id;

    pulled.stop_agent();
    push_.at("pushed")->kill();
    for (const char* id : {"pulled", "pushed"})
        ASSERT_TRUE(eventually([&] { return host_status(id)["state"] == "unreachable"; }))
            << id << host_status(id).dump(2);
    EXPECT_NE(host_status("pulled")["last_error"].get<std::string>().find("cannot reach the agent"), std::string::npos);
    const auto m = metrics();
    EXPECT_NE(m.find("keel_hosts_unreachable 2\n"), std::string::npos) << m;
    EXPECT_NE(verifier_->log().find("host \"pushed\" is unreachable"), std::string::npos);

    // Back: the push agent starts again and the host is appraised and trusted.
    start_push("pushed");
    ASSERT_TRUE(eventually([&] { return host_status("pushed")["state"] == "trusted"; }));
}

TEST_F(Fleet, VerifierRestartResumesEveryHostsSchedule) {
    boot("pulled");
    boot("pushed");
    start_verifier();
    ASSERT_EQ(enroll("pulled", "pull").status, 201);
    enroll_push("pushed");
    for (const char* id : {"pulled", "pushed"})
        ASSERT_TRUE(eventually([&] { return appraisals(id).size() >= 2; })) << id;

    // No enrolment, no agent restarted: the new process (on the same port)
    // finds both hosts in the store and carries on; the push agent kept
    // retrying meanwhile.
    const int port = verifier_->port();
    EXPECT_EQ(verifier_->stop(), 0);
    verifier_ = std::make_unique<VerifierdProcess>(dir_, config(options_, port));
    std::map<std::string, std::size_t> kept;
    for (const char* id : {"pulled", "pushed"}) {
        kept[id] = appraisals(id).size();
        EXPECT_GE(kept[id], 2u);
        EXPECT_EQ(host_status(id)["mode"], id == std::string("pulled") ? "pull" : "push");
    }
    for (const char* id : {"pulled", "pushed"}) {
        ASSERT_TRUE(eventually([&] { return appraisals(id).size() >= kept[id] + 2; })) << id << verifier_->log();
        EXPECT_EQ(appraisals(id)[0]["verdict"], "trusted");
    }
}

TEST_F(Fleet, BadInputAtTheApiIsRefusedAndNothingIsStored) {
    FleetOptions o;
    o.max_body_bytes = 64 * 1024;
    o.nonce_lifetime_seconds = 1;
    o.interval_seconds = 3600;  // nothing happens unless the test does it
    // Two push hosts whose agents keep serving, so the test makes their evidence.
    auto& a = boot("host-a");
    auto& b = boot("host-b");
    start_verifier(o);
    ASSERT_EQ(enroll("host-a", "push").status, 201);
    ASSERT_EQ(enroll("host-b", "push").status, 201);
    const auto cert_a = pki_->client("host-a"), cert_b = pki_->client("host-b");
    auto nonce_for = [&](const ClientCert& who, const std::string& id) {
        auto r = api(who, "POST", "/v1/hosts/" + id + "/nonce");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json.value("nonce", std::string());
    };
    auto evidence = [&](SimulatedHost& host, const std::string& nonce) { return fetch_evidence(host.url(), nonce); };
    auto stored = [&] { return appraisals("host-a").size() + appraisals("host-b").size(); };
    std::size_t kept = 0;  // appraisals the test expects in the store
    auto expect_refused = [&](const Reply& r, int status, const std::string& words) {
        EXPECT_EQ(r.status, status) << r.body;
        ASSERT_TRUE(r.json.is_object()) << r.body;
        EXPECT_NE(r.json.value("error", std::string()).find(words), std::string::npos) << r.body;
        EXPECT_EQ(stored(), kept);
    };

    // Malformed JSON, a repeated member, an unknown member, oversized bodies.
    expect_refused(as_operator("POST", "/v1/enrollments", "{\"host_id\": "), 400, "not JSON");
    expect_refused(as_operator("POST", "/v1/enrollments", R"({"host_id": "x", "host_id": "y"})"), 400, "twice");
    expect_refused(as_operator("POST", "/v1/enrollments", R"({"host_id": "x", "colour": "red"})"), 400,
                   "unknown member \"colour\"");
    expect_refused(as_operator("POST", "/v1/enrollments", std::string(100 * 1024, ' ')), 413, "larger than");
    expect_refused(api(cert_a, "POST", "/v1/hosts/host-a/evidence", "{]"), 400, "");
    expect_refused(api(cert_a, "POST", "/v1/hosts/host-a/evidence", std::string(100 * 1024, '{')), 413, "larger than");

    // Unauthenticated: no certificate is a JSON 401; a certificate from
    // another CA does not get through the handshake.
    expect_refused(api(std::nullopt, "GET", "/v1/hosts"), 401, "client certificate");
    expect_refused(api(std::nullopt, "POST", "/v1/hosts/host-a/nonce"), 401, "client certificate");
    expect_refused(api(std::nullopt, "GET", "/metrics"), 401, "client certificate");
    EXPECT_EQ(api(pki_->client("operator", true), "GET", "/v1/hosts").status, 0);
    EXPECT_EQ(api(pki_->client("host-a", true), "POST", "/v1/hosts/host-a/nonce").status, 0);
    // A subject with two CNs is nobody.
    expect_refused(api(pki_->client("host-a/CN=operator"), "GET", "/v1/hosts"), 401, "client certificate");
    // A host is not an operator, and an operator cannot attest as a host.
    expect_refused(api(cert_a, "GET", "/v1/hosts"), 403, "not an operator");
    expect_refused(api(cert_a, "POST", "/v1/enrollments", "{}"), 403, "not an operator");
    expect_refused(as_operator("POST", "/v1/hosts/host-a/nonce"), 403, "only attest as itself");

    // Enrolment: a host id that could not be a path segment; a wrong answer
    // to a challenge ends it (no second guess) and stores nothing.
    expect_refused(as_operator("POST", "/v1/enrollments", R"({"host_id": "../a", "mode": "push"})"), 400, "host_id");
    json again = {{"host_id", "host-a"},
                  {"mode", "push"},
                  {"replace", true},
                  {"identity", agent_get(a.url(), "/v1/identity")},
                  {"reference_values", json::parse(read_file(a.reference_file()))}};
    auto begun = as_operator("POST", "/v1/enrollments", again.dump());
    ASSERT_EQ(begun.status, 201) << begun.body;
    auto wrong = as_operator("POST", "/v1/enrollments/host-a/answer", R"({"secret": "AAAAAAAAAAAAAAAAAAAAAA=="})");
    EXPECT_EQ(wrong.status, 422) << wrong.body;
    EXPECT_EQ(wrong.json["checks"].back()["id"], "ak.credential");
    auto answer = agent_post(a.url(), "/v1/activate", begun.json["challenge"].dump());
    expect_refused(as_operator("POST", "/v1/enrollments/host-a/answer", answer.dump()), 404, "no challenge");

    // Another host's evidence: host-a's certificate for host-b's endpoints,
    // and host-b's nonce in host-a's evidence.
    const auto nonce_b = nonce_for(cert_b, "host-b");
    expect_refused(api(cert_a, "POST", "/v1/hosts/host-b/nonce"), 403, "only attest as itself");
    expect_refused(api(cert_a, "POST", "/v1/hosts/host-b/evidence", evidence(a, nonce_b)), 403,
                   "only attest as itself");
    expect_refused(api(cert_a, "POST", "/v1/hosts/host-a/evidence", evidence(a, nonce_b)), 409,
                   "issued to another host");

    // A nonce never issued, a replayed one, an expired one.
    expect_refused(api(cert_a, "POST", "/v1/hosts/host-a/evidence", evidence(a, std::string(64, 'c'))), 409,
                   "not issued by this verifier");
    const auto fresh = nonce_for(cert_a, "host-a");
    const auto genuine = evidence(a, fresh);
    auto accepted = api(cert_a, "POST", "/v1/hosts/host-a/evidence", genuine);
    ASSERT_EQ(accepted.status, 200) << accepted.body;
    EXPECT_EQ(accepted.json["verdict"], "trusted") << accepted.body;
    ASSERT_EQ(stored(), 1u);
    kept = 1;
    auto replayed = api(cert_a, "POST", "/v1/hosts/host-a/evidence", genuine);
    EXPECT_EQ(replayed.status, 409);
    EXPECT_NE(replayed.body.find("used already"), std::string::npos) << replayed.body;
    const auto stale = nonce_for(cert_a, "host-a");
    const auto late = evidence(a, stale);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the 1 s lifetime
    auto expired = api(cert_a, "POST", "/v1/hosts/host-a/evidence", late);
    EXPECT_EQ(expired.status, 409);
    EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
    EXPECT_EQ(stored(), 1u);

    // Evidence that names a structure it does not hold.
    const auto bad_nonce = nonce_for(cert_b, "host-b");
    auto doc = json::parse(evidence(b, bad_nonce));
    doc["quote"]["attest"] = "AAAA";
    expect_refused(api(cert_b, "POST", "/v1/hosts/host-b/evidence", doc.dump()), 400, "");
    EXPECT_EQ(stored(), 1u);
    const auto m = metrics();
    EXPECT_NE(m.find("keel_evidence_rejected_total{reason=\"nonce\"}"), std::string::npos) << m;
    EXPECT_NE(m.find("keel_evidence_rejected_total{reason=\"unauthenticated\"} 4"), std::string::npos) << m;
}

// An HTTP server on a free loopback port playing a hostile agent.
class HostileAgent {
public:
    explicit HostileAgent(std::function<void(httplib::Response&)> answer) {
        server_.Get("/v1/evidence", [answer](const httplib::Request&, httplib::Response& res) { answer(res); });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~HostileAgent() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

TEST_F(Fleet, PulledAgentThatAnswersGarbageOrFloodsIsNotTrusted) {
    FleetOptions o;
    o.max_body_bytes = 64 * 1024;
    auto& garbage_host = boot("garbage");
    auto& flood_host = boot("flood");
    HostileAgent garbage(
        [](httplib::Response& res) { res.set_content("{\"format\": \"keel-evidence\"}", "application/json"); });
    HostileAgent flood([](httplib::Response& res) { res.set_content(std::string(1u << 20, '['), "application/json"); });
    start_verifier(o);
    // Enrolled genuinely (the test runs identity and activation with the real
    // agents), but the verifier is told to pull from the hostile servers.
    auto enroll_at = [&](const std::string& id, SimulatedHost& host, const std::string& url) {
        json request = {{"host_id", id},
                        {"mode", "pull"},
                        {"agent_url", url},
                        {"identity", agent_get(host.url(), "/v1/identity")},
                        {"reference_values", json::parse(read_file(host.reference_file()))}};
        auto begun = as_operator("POST", "/v1/enrollments", request.dump());
        ASSERT_EQ(begun.status, 201) << begun.body;
        auto answer = agent_post(host.url(), "/v1/activate", begun.json["challenge"].dump());
        ASSERT_EQ(as_operator("POST", "/v1/enrollments/" + id + "/answer", answer.dump()).status, 201);
    };
    enroll_at("garbage", garbage_host, garbage.url());
    enroll_at("flood", flood_host, flood.url());

    ASSERT_TRUE(eventually([&] { return host_status("garbage")["state"] == "not-trusted"; }));
    EXPECT_EQ(appraisals("garbage")[0]["failed_checks"], json::array({"evidence.format"}));
    ASSERT_TRUE(eventually([&] { return host_status("flood").contains("last_error"); }));
    EXPECT_NE(host_status("flood")["last_error"].get<std::string>().find("sent more than 65536 bytes"),
              std::string::npos);
    EXPECT_TRUE(appraisals("flood").empty());
}

}  // namespace
}  // namespace keel::test
