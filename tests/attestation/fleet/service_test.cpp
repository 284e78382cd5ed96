// The daemon's parts that need no network: its configuration (TOML, unknown
// keys refused, TLS required off loopback), the push mode's nonces (single
// use, one host's, within their lifetime) and the metrics' text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "attestation/verifierd/config.hpp"
#include "attestation/verifierd/metrics.hpp"
#include "attestation/verifierd/nonce_book.hpp"

namespace keel::verifierd {
namespace {

std::string write_config(const std::string& text) {
    static int n = 0;
    auto path = std::filesystem::temp_directory_path() /
                ("keel-verifierd-config-" + std::to_string(getpid()) + "-" + std::to_string(++n) + ".toml");
    std::ofstream(path) << text;
    return path.string();
}

std::string config_error(const std::string& text) {
    try {
        load_config(write_config(text));
    } catch (const ConfigError& e) { return e.what(); }
    return "";
}

TEST(FleetConfig, ReadsEveryTable) {
    auto c = load_config(write_config(R"(
listen = "0.0.0.0:8443"
database = "/var/lib/keel/fleet.sqlite"
database_connections = 8
[tls]
certificate = "server.pem"
private_key = "server.key"
client_ca = "clients.pem"
[api]
operators = ["alice", "bob"]
max_body_bytes = 65536
[attestation]
default_interval_seconds = 10
unreachable_after_intervals = 2
nonce_lifetime_seconds = 30
pull_workers = 4
pull_timeout_seconds = 5
appraisal_cache_entries = 0
[enrolment]
ek_ca = ["root.pem", "issuer.pem"]
allow_no_ek_certificate = true
[ear]
signing_key = "ear.key"
)"));
    EXPECT_EQ(c.listen, "0.0.0.0:8443");
    EXPECT_EQ(c.database, "/var/lib/keel/fleet.sqlite");
    EXPECT_EQ(c.database_connections, 8u);
    EXPECT_EQ(c.tls.client_ca, "clients.pem");
    EXPECT_EQ(c.operators, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(c.max_body_bytes, 65536u);
    EXPECT_EQ(c.default_interval, std::chrono::seconds(10));
    EXPECT_EQ(c.unreachable_after_intervals, 2u);
    EXPECT_EQ(c.nonce_lifetime, std::chrono::seconds(30));
    EXPECT_EQ(c.pull_workers, 4u);
    EXPECT_EQ(c.pull_timeout, std::chrono::seconds(5));
    EXPECT_EQ(c.appraisal_cache_entries, 0u);
    EXPECT_EQ(c.ek_ca.size(), 2u);
    EXPECT_TRUE(c.allow_no_ek_certificate);
    EXPECT_EQ(c.ear_signing_key, "ear.key");
    EXPECT_NO_THROW(check_config(c));
}

TEST(FleetConfig, TheExampleConfigurationIsValid) {
    auto c = load_config(KEEL_EXAMPLE_CONFIG);
    EXPECT_EQ(c.listen, Config{}.listen);
    EXPECT_EQ(c.default_interval, Config{}.default_interval);
    EXPECT_EQ(c.operators, (std::vector<std::string>{"operator"}));
    EXPECT_EQ(c.ear_signing_key, "");  // signing results is chosen, not a default
    EXPECT_NO_THROW(check_config(c));
}

TEST(FleetConfig, UnknownOrMistypedKeysAreErrorsNamingThem) {
    EXPECT_NE(config_error("[tls]\nclient_cert_authority = \"x\"\n").find("tls.client_cert_authority"),
              std::string::npos);
    EXPECT_NE(config_error("listne = \"127.0.0.1:1\"\n").find("listne"), std::string::npos);
    EXPECT_NE(config_error("[attestation]\ndefault_interval_seconds = \"ten\"\n").find("must be an integer"),
              std::string::npos);
    EXPECT_NE(config_error("[attestation]\nunreachable_after_intervals = 0\n").find("at least 1"), std::string::npos);
    EXPECT_NE(config_error("[api]\noperators = \"alice\"\n").find("array of strings"), std::string::npos);
    EXPECT_NE(config_error("database_connections = 0\n").find("at least 1"), std::string::npos);
    EXPECT_NE(config_error("database_connections = 65\n").find("at most 64"), std::string::npos);
    EXPECT_NE(config_error("listen = \n").find(":1:"), std::string::npos);  // TOML syntax: line and column
}

TEST(FleetConfig, NoTlsOnlyOnLoopback) {
    Config c;
    c.listen = "127.0.0.1:0";
    EXPECT_NO_THROW(check_config(c));
    c.listen = "[::1]:7735";
    EXPECT_NO_THROW(check_config(c));
    for (const char* listen : {"0.0.0.0:7735", "192.0.2.1:7735", "[::]:7735", "verifier.example:7735"}) {
        c.listen = listen;
        EXPECT_THROW(check_config(c), ConfigError) << listen;
    }
    c.tls = {"server.pem", "server.key", "clients.pem"};
    EXPECT_NO_THROW(check_config(c));
    c.tls.client_ca.clear();  // TLS without client authentication is not offered
    EXPECT_THROW(check_config(c), ConfigError);
}

TEST(FleetNonces, UsedOnceByTheHostTheyWereIssuedTo) {
    NonceBook book(std::chrono::seconds(60), 4);
    auto a = book.issue("a");
    EXPECT_EQ(a.size(), 32u);
    EXPECT_NE(book.issue("a"), a);
    EXPECT_EQ(book.redeem("a", a), NonceBook::Redemption::accepted);
    EXPECT_EQ(book.redeem("a", a), NonceBook::Redemption::unknown);  // replayed
    EXPECT_EQ(book.redeem("a", evidence::Bytes(32, 7)), NonceBook::Redemption::unknown);  // never issued
    auto b = book.issue("b");
    EXPECT_EQ(book.redeem("a", b), NonceBook::Redemption::other_host);
    EXPECT_EQ(book.redeem("b", b), NonceBook::Redemption::unknown);  // burnt by the attempt
}

TEST(FleetNonces, ExpiredNonceIsRefused) {
    NonceBook book(std::chrono::seconds(0), 4);
    auto a = book.issue("a");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_NE(book.redeem("a", a), NonceBook::Redemption::accepted);
}

TEST(FleetNonces, AHostCannotHoardNonces) {
    NonceBook book(std::chrono::seconds(60), 2);
    auto first = book.issue("a");
    book.issue("a");
    book.issue("a");
    EXPECT_EQ(book.redeem("a", first), NonceBook::Redemption::unknown);
}

TEST(FleetMetrics, CountsVerdictsFailedChecksLatencyAndHostStates) {
    Metrics m;
    Appraisal a;
    a.verdict = "not-trusted";
    a.duration_us = 3000;
    a.checks = {{"quote.signature", "pass", ""}, {"eventlog.drtm", "fail", ""}};
    m.appraised(a);
    a.verdict = "trusted";
    a.duration_us = 200;
    a.checks = {{"eventlog.drtm", "pass", ""}};
    m.appraised(a);
    m.rejected("nonce");
    std::vector<FleetHost> hosts(3);
    hosts[0].mode = AttestMode::pull;
    hosts[0].state = HostState::unreachable;
    hosts[1].mode = AttestMode::push;
    hosts[1].state = HostState::trusted;
    hosts[2].mode = AttestMode::manual;  // not attested by the daemon: not counted
    hosts[2].state = HostState::unreachable;
    const auto text = m.render(hosts, 2);
    EXPECT_NE(text.find("keel_appraisals_total{verdict=\"trusted\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("keel_appraisals_total{verdict=\"not-trusted\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("keel_check_failures_total{check=\"eventlog.drtm\"} 1\n"), std::string::npos);
    EXPECT_EQ(text.find("check=\"quote.signature\""), std::string::npos);
    EXPECT_NE(text.find("keel_appraisal_duration_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("keel_appraisal_duration_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("keel_appraisal_duration_seconds_count 2\n"), std::string::npos);
    EXPECT_NE(text.find("keel_evidence_rejected_total{reason=\"nonce\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("keel_hosts_unreachable 1\n"), std::string::npos);
    EXPECT_NE(text.find("keel_hosts{state=\"trusted\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("keel_verifier_instances 2\n"), std::string::npos);
}

}  // namespace
}  // namespace keel::verifierd
