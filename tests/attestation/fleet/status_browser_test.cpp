// The status page as an operator's browser shows it: a real keel-verifierd
// (mutual TLS, push evidence made in software, no TPM) with a trusted host,
// a host whose log measured a component named as markup, a host enrolled
// under a hostile id and never appraised, and a pull host nobody answers
// for; headless Chromium loads GET /status from the [status] listener and
// the test reads the DOM it built. Everything an attacker named must be
// text in that DOM, never an element.
#include <gtest/gtest.h>

#include <chrono>
#include <httplib.h>
#include <regex>
#include <sstream>
#include <thread>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"
#include "tests/launch/launch_run.hpp"
#include "verifierd_process.hpp"

namespace keel::test {
namespace {

const std::vector<std::uint16_t> banks = {eventlog::alg_sha256};
constexpr std::chrono::seconds within(10);
const std::string hostile_id = "<script>alert(1)</script>";
const std::string hostile_component = R"("><img src=x onerror=alert(1)>)";

std::string chromium() {
    const char* override = std::getenv("KEEL_CHROMIUM");
    return override ? override : "chromium";
}

class StatusBrowser : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/keel-status-browser-XXXXXX";
        dir_ = mkdtemp(pattern);
        verifierd::SqliteFleetStore store(db());
        for (const char* id : {"node-good", "node-bad"}) {
            keys_.emplace(id, generate_ec_key());
            store.enroll(push_host(id, keys_.at(id).get()), false);
        }
        auto never = generate_ec_key();
        store.enroll(push_host(hostile_id, never.get()), false);
        auto gone = push_host("node-gone", never.get());
        gone.record.ek_public = {9, 9, 9};
        gone.mode = verifierd::AttestMode::pull;
        gone.agent_url = "http://127.0.0.1:1";  // nobody answers
        gone.interval = std::chrono::seconds(1);
        store.enroll(gone, false);
        pki_ = std::make_unique<TestPki>(dir_);
        std::ostringstream c;
        c << "listen = \"127.0.0.1:0\"\ndatabase = \"" << db() << "\"\n[tls]\ncertificate = \""
          << pki_->server().certificate << "\"\nprivate_key = \"" << pki_->server().private_key << "\"\nclient_ca = \""
          << pki_->ca() << "\"\n[api]\noperators = [\"operator\"]\n[attestation]\nunreachable_after_intervals = 1\n"
          << "pull_timeout_seconds = 1\n[status]\nlisten = \"127.0.0.1:0\"\n";
        verifier_ = std::make_unique<VerifierdProcess>(dir_, c.str());
        std::smatch m;
        const auto log = verifier_->log();
        ASSERT_TRUE(std::regex_search(log, m, std::regex("status page on http://127\\.0\\.0\\.1:([0-9]+)/status")))
            << log;
        status_port_ = std::stoi(m[1]);
    }
    void TearDown() override {
        verifier_.reset();
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }
    std::string db() const { return (dir_ / "fleet.sqlite").string(); }
    verifierd::FleetHost push_host(const std::string& id, EVP_PKEY* ak) {
        verifierd::FleetHost h;
        h.record.host_id = id;
        h.record.ek_public = Bytes(id.begin(), id.end());  // one EK per host
        h.record.ak_public = tpm2b_public(ak, ak_attributes);
        h.record.ak_name = evidence::parse_public(h.record.ak_public).name;
        h.record.reference_json = reference_json(banks, keel_components());
        h.record.policy_json = verifier::write_policy(verifier::Policy{});
        h.mode = verifierd::AttestMode::push;
        h.interval = std::chrono::seconds(3600);
        return h;
    }
    Reply as(const std::string& cn, const std::string& path) {
        return call(verifier_->port(), pki_->ca(), pki_->client(cn), "GET", path, "", within);
    }
    // One push round of `id` with the evidence of `launch`; the verdict.
    std::string push(const std::string& id, const SyntheticLaunch& launch) {
        auto n =
            call(verifier_->port(), pki_->ca(), pki_->client(id), "POST", "/v1/hosts/" + id + "/nonce", "", within);
        EXPECT_EQ(n.status, 200) << n.body;
        const auto nonce = eventlog::from_hex(n.json["nonce"].get<std::string>()).value();
        const auto ak_name = evidence::parse_public(tpm2b_public(keys_.at(id).get(), ak_attributes)).name;
        const auto document = launch_evidence(launch, keys_.at(id).get(), ak_name, nonce, {2000, 3, 0, true});
        auto e = call(verifier_->port(), pki_->ca(), pki_->client(id), "POST", "/v1/hosts/" + id + "/evidence",
                      evidence::write_evidence(document), within);
        EXPECT_EQ(e.status, 200) << e.body;
        return e.json.value("verdict", "");
    }
    // What headless Chromium made of the page: its DOM, serialised.
    std::string browse(const std::string& url) {
        const auto dom = dir_ / "dom.html", err = dir_ / "chromium.err";
        auto r = run_process({"sh", "-c",
                              "exec timeout 60 \"$0\" --headless --disable-gpu --no-sandbox --no-first-run "
                              "--user-data-dir=\"$1\" --dump-dom \"$2\" >\"$3\" 2>\"$4\"",
                              chromium(), (dir_ / "chromium-profile").string(), url, dom.string(), err.string()});
        EXPECT_EQ(r.status, 0) << chromium() << " (Debian package chromium; KEEL_CHROMIUM names another): " << r.output
                               << read_file(err.string());
        return read_file(dom.string());
    }

    std::filesystem::path dir_;
    std::map<std::string, evidence::EvpPkey> keys_;
    std::unique_ptr<TestPki> pki_;
    std::unique_ptr<VerifierdProcess> verifier_;
    int status_port_ = 0;
};

TEST_F(StatusBrowser, EveryHostItsVerdictAndTheFailingComponentAndNothingHostileIsAnElement) {
    ASSERT_EQ(push("node-good", make_launch(banks)), "trusted");
    // A log that also measured a component named as markup.
    auto hostile = make_launch(banks);
    hostile.components.push_back({hostile_component, 19, 0x602, "", {1, 2, 3}});
    hostile.pcrs = launch_pcrs(banks, hostile.components);
    hostile.pcr_values = pcr_read_lists(hostile.selection, hostile.pcrs);
    hostile.log = drtm_log(banks, hostile.components);
    ASSERT_EQ(push("node-bad", hostile), "not-trusted");
    // The pull host nobody answers for goes unreachable within a few seconds.
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);;) {
        auto h = as("operator", "/v1/hosts/node-gone");
        if (h.json.value("state", "") == "unreachable") break;
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << h.body;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }

    const auto url = "http://127.0.0.1:" + std::to_string(status_port_) + "/status";
    const auto dom = browse(url);
    ASSERT_NE(dom.find("Fleet status"), std::string::npos) << dom;
    auto row = [&](const std::string& host) {
        std::smatch m;
        const std::regex r("<tr class=\"[a-z-]+\"><td class=\"host\">" +
                           std::regex_replace(host, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") + "</td>.*?</tr>");
        return std::regex_search(dom, m, r) ? m.str() : std::string();
    };
    const auto good = row("node-good"), bad = row("node-bad"), gone = row("node-gone");
    const auto never = row("&lt;script&gt;alert(1)&lt;/script&gt;");
    EXPECT_NE(good.find("<td class=\"mode\">push</td><td class=\"verdict\">trusted</td><td class=\"time\">20"),
              std::string::npos)
        << dom;
    EXPECT_NE(bad.find("<td class=\"verdict\">not trusted</td>"), std::string::npos) << dom;
    EXPECT_NE(bad.find("<span class=\"check\">reference.components</span> component <span "
                       "class=\"component\">\"&gt;&lt;img src=x onerror=alert(1)&gt;</span>"),
              std::string::npos)
        << dom;
    EXPECT_NE(gone.find("<td class=\"mode\">pull</td><td class=\"verdict\">unreachable</td>"), std::string::npos)
        << dom;
    EXPECT_NE(never.find("<td class=\"verdict\">never appraised</td><td class=\"time\">never</td>"), std::string::npos)
        << dom;
    // Text, not elements: no script or img element anywhere in the DOM
    // Chromium built (it serialises text as &lt;…).
    EXPECT_EQ(dom.find("<script"), std::string::npos) << dom;
    EXPECT_EQ(dom.find("<img"), std::string::npos) << dom;

    // What the page is sent with.
    httplib::Client plain("127.0.0.1", status_port_);
    plain.set_connection_timeout(within);
    plain.set_read_timeout(within);
    auto page = plain.Get("/status");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(page->get_header_value("Content-Security-Policy").rfind("default-src 'none'; style-src 'sha256-", 0), 0u)
        << page->get_header_value("Content-Security-Policy");
    // A page whose name an attacker pointed at 127.0.0.1 gets nothing.
    auto rebound = plain.Get("/status", {{"Host", "attacker.example:" + std::to_string(status_port_)}});
    ASSERT_TRUE(rebound);
    EXPECT_EQ(rebound->status, 403);
    EXPECT_EQ(rebound->body.find("node-bad"), std::string::npos);

    // On the API the same page is for operators only.
    auto api = as("operator", "/status");
    EXPECT_EQ(api.status, 200);
    EXPECT_NE(api.body.find("<td class=\"host\">node-bad</td>"), std::string::npos) << api.body;
    EXPECT_EQ(as("node-good", "/status").status, 403);
    EXPECT_EQ(call(verifier_->port(), pki_->ca(), std::nullopt, "GET", "/status", "", within).status, 401);
}

}  // namespace
}  // namespace keel::test
