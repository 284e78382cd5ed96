// Sustained appraisals per second of keel-verifierd, end to end: software
// agents (a load generator in this process) push evidence over HTTPS with
// client certificates, each host with its own P-256 (or RSA-2048) AK signing
// a genuine TPMS_ATTEST over the fresh nonce the verifier issued, with a
// DRTM log of 64 events; the verifier checks everything and writes every
// appraisal to SQLite. The hosts are enrolled straight into the store
// before the daemon starts (enrolment is not what is measured; their EKs
// are placeholders and uncertified, which the verdict notes). Usage:
//   keel-fleet-bench --verifierd build/tools/verifierd/keel-verifierd --hosts 200 --interval 1 --seconds 20
// Prints the offered and achieved rate, the verdicts, and the round trip of
// each evidence submission (p50/p90/p99) as the agents saw it.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <httplib.h>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/net/tls_resume.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/open_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"
#include "tools/bench/fleet_pki.hpp"

extern char** environ;

namespace {

using namespace keel;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string verifierd, dir, key = "ecc", database, connections = "round";
    int hosts = 100, interval = 1, seconds = 20, warmup = 3, threads = 2, events = 64;
};

struct Host {
    std::string id;
    evidence::EvpPkey ak;
    evidence::Bytes ak_name;
    bench::PemPair cert;
    std::unique_ptr<httplib::SSLClient> client;
    int port = 0;
    std::string ca;
    Clock::time_point due;
};

struct Results {
    std::mutex mutex;
    std::vector<double> round_ms;  // evidence POST, request to verdict
    std::map<std::string, std::uint64_t> outcomes;
};

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

pid_t spawn_verifierd(const Options& o, const std::string& config, const std::string& out) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (out + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = {o.verifierd, "--config", config};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, o.verifierd.c_str(), &actions, nullptr, argv.data(), environ) != 0)
        throw std::runtime_error("cannot start " + o.verifierd);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

// One round of a host: a nonce, a quote over it, the evidence; the result
// counted only inside the measuring window.
void round(Host& h, const test::SyntheticLaunch& launch, Results& results, Clock::time_point start, bool counted,
           bool reuse) {
    // As keel-agent push does: the round's two requests on one connection,
    // closed after the round (an idle kept-alive connection would hold one
    // of the verifier's worker threads), the TLS session resumed from the
    // round before. --connections request: the old agent's way, a new
    // client (certificate files read again) and a full handshake for each
    // request.
    if (!h.client || !reuse) {
        h.client = std::make_unique<httplib::SSLClient>("127.0.0.1", h.port, h.cert.certificate, h.cert.private_key);
        h.client->set_ca_cert_path(h.ca.c_str());
        h.client->enable_server_certificate_verification(true);
        h.client->set_keep_alive(reuse);
        h.client->set_tcp_nodelay(true);
        h.client->set_read_timeout(30, 0);
        if (reuse) net::resume_tls_sessions(h.client->ssl_context());
    }
    struct CloseAfterRound {
        httplib::SSLClient& client;
        ~CloseAfterRound() { client.stop(); }
    } close_after_round{*h.client};
    auto nonce_reply = h.client->Post(("/v1/hosts/" + h.id + "/nonce").c_str(), "", "application/json");
    if (!nonce_reply || nonce_reply->status != 200) {
        std::lock_guard lock(results.mutex);
        if (counted) ++results.outcomes[nonce_reply ? "nonce " + std::to_string(nonce_reply->status) : "no connection"];
        return;
    }
    const auto nonce = *eventlog::from_hex(nlohmann::json::parse(nonce_reply->body)["nonce"].get<std::string>());
    test::QuoteContents q;
    q.nonce = nonce;
    q.selection = launch.selection;
    q.pcrs = launch.pcrs;
    q.clock = {static_cast<std::uint64_t>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count() + 1000),
               3, 0, true};
    auto quote = test::sign_quote(h.ak.get(), q);
    evidence::EvidenceDocument d;
    d.nonce = nonce;
    d.ak_name = h.ak_name;
    d.attest = quote.attest;
    d.signature = quote.signature;
    d.pcr_selection = evidence::marshal_pcr_selection(launch.selection);
    d.pcr_values = launch.pcr_values;
    d.drtm_log = launch.log;
    const auto body = evidence::write_evidence(d);
    const auto sent = Clock::now();
    auto reply = h.client->Post(("/v1/hosts/" + h.id + "/evidence").c_str(), body, "application/json");
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
    if (!counted) return;
    std::lock_guard lock(results.mutex);
    if (!reply) {
        ++results.outcomes["no connection"];
        return;
    }
    auto verdict = nlohmann::json::parse(reply->body, nullptr, false);
    ++results.outcomes[reply->status == 200 ? verdict.value("verdict", std::string("?"))
                                            : "HTTP " + std::to_string(reply->status)];
    results.round_ms.push_back(ms);
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"keel-fleet-bench: sustained appraisals/s of keel-verifierd with software agents"};
    app.add_option("--verifierd", o.verifierd, "the keel-verifierd executable")->required();
    app.add_option("--hosts", o.hosts, "software hosts (each pushes once per interval)");
    app.add_option("--interval", o.interval, "seconds between a host's submissions");
    app.add_option("--seconds", o.seconds, "measuring window, after the warm-up");
    app.add_option("--warmup", o.warmup, "seconds before measuring");
    app.add_option("--threads", o.threads, "load generator threads");
    app.add_option("--events", o.events, "events in the DRTM log");
    app.add_option("--key", o.key, "AK type: ecc (P-256) or rsa (RSA-2048)")->check(CLI::IsMember({"ecc", "rsa"}));
    app.add_option("--connections", o.connections,
                   "round: one connection per round, TLS sessions resumed (keel-agent push); request: a new "
                   "connection and full handshake per request (keel-agent push before keep-alive)")
        ->check(CLI::IsMember({"round", "request"}));
    app.add_option("--dir", o.dir, "scratch directory (default: a new one in /tmp)");
    app.add_option("--database", o.database, "the store (default: SQLite in the scratch directory; or postgresql://…)");
    CLI11_PARSE(app, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    const bool own_dir = o.dir.empty();
    if (own_dir) {
        char pattern[] = "/tmp/keel-fleet-bench-XXXXXX";
        o.dir = mkdtemp(pattern);
    }
    const std::filesystem::path dir = o.dir;
    const auto db = o.database.empty() ? (dir / "fleet.sqlite").string() : o.database;
    if (o.database.empty()) std::filesystem::remove(db);

    std::cout << "preparing " << o.hosts << " hosts (" << o.key << " AKs, " << o.events << "-event DRTM log)"
              << std::endl;
    bench::FleetPki pki(dir / "pki");
    const auto server = pki.server();
    const auto launch = test::make_launch({eventlog::alg_sha256}, static_cast<std::size_t>(o.events));
    std::vector<Host> hosts(static_cast<std::size_t>(o.hosts));
    {
        auto opened = verifierd::open_fleet_store(db);
        auto& store = *opened;
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            auto& h = hosts[i];
            h.id = "bench-" + std::to_string(i);
            h.ak = o.key == "rsa" ? test::generate_rsa_key() : test::generate_ec_key();
            const auto ak_public = test::tpm2b_public(h.ak.get(), test::ak_attributes);
            h.ak_name = evidence::parse_public(ak_public).name;
            h.cert = pki.client(h.id);
            verifierd::FleetHost f;
            f.record.host_id = h.id;
            f.record.ek_public = {0xe, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                  static_cast<std::uint8_t>(i)};  // placeholder: no EK is used in an appraisal
            f.record.ak_public = ak_public;
            f.record.ak_name = h.ak_name;
            f.record.reference_json = launch.reference;
            f.record.policy_json = verifier::write_policy(verifier::Policy{});
            f.mode = verifierd::AttestMode::push;
            f.interval = std::chrono::seconds(o.interval);
            store.enroll(f, true);
        }
    }
    const auto config = (dir / "keel-verifierd.toml").string();
    std::ofstream(config) << "listen = \"127.0.0.1:0\"\ndatabase = \"" << db << "\"\n[tls]\ncertificate = \""
                          << server.certificate << "\"\nprivate_key = \"" << server.private_key << "\"\nclient_ca = \""
                          << pki.ca() << "\"\n[api]\noperators = [\"operator\"]\n"
                          << "[attestation]\nunreachable_after_intervals = 1000\n";
    const auto out = (dir / "verifierd.out").string();
    const pid_t pid = spawn_verifierd(o, config, out);
    int port = 0;
    for (int i = 0; i < 600 && !port; ++i) {
        std::smatch m;
        const auto text = read_text(out);
        const std::regex serving("serving on https://127\\.0\\.0\\.1:([0-9]+)");
        if (std::regex_search(text, m, serving))
            port = std::stoi(m[1]);
        else
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!port) {
        std::cerr << "keel-verifierd did not start: " << read_text(out + ".err") << "\n";
        kill(pid, SIGKILL);
        return 1;
    }
    for (auto& h : hosts) {
        h.port = port;
        h.ca = pki.ca();
    }

    Results results;
    const auto start = Clock::now();
    const auto measure_from = start + std::chrono::seconds(o.warmup);
    const auto end = measure_from + std::chrono::seconds(o.seconds);
    const auto interval = std::chrono::seconds(o.interval);
    // Hosts spread evenly over the first interval, as a fleet's would be.
    for (std::size_t i = 0; i < hosts.size(); ++i) hosts[i].due = start + interval * i / hosts.size();
    std::atomic<std::uint64_t> late{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < o.threads; ++t)
        threads.emplace_back([&, t] {
            std::vector<Host*> mine;
            for (std::size_t i = static_cast<std::size_t>(t); i < hosts.size();
                 i += static_cast<std::size_t>(o.threads))
                mine.push_back(&hosts[i]);
            while (true) {
                auto next =
                    std::min_element(mine.begin(), mine.end(), [](Host* a, Host* b) { return a->due < b->due; });
                if ((*next)->due >= end) return;
                std::this_thread::sleep_until((*next)->due);
                const auto began = Clock::now();
                if (began - (*next)->due > interval) ++late;
                round(**next, launch, results, start, began >= measure_from && began < end, o.connections == "round");
                (*next)->due += interval;
                if ((*next)->due < Clock::now()) (*next)->due = Clock::now();  // behind: no catching up in bursts
            }
        });
    for (auto& t : threads) t.join();
    const double window = std::chrono::duration<double>(std::chrono::seconds(o.seconds)).count();

    httplib::SSLClient scrape("127.0.0.1", port, pki.client("operator").certificate,
                              (dir / "pki" / "client-operator.key").string());
    scrape.set_ca_cert_path(pki.ca().c_str());
    auto metrics = scrape.Get("/metrics");
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);

    std::uint64_t appraised = 0;
    for (const auto& [what, n] : results.outcomes)
        if (what == "trusted" || what == "not-trusted") appraised += n;
    std::cout << "offered: " << o.hosts << " hosts every " << o.interval
              << " s = " << static_cast<double>(o.hosts) / o.interval << " appraisals/s\n"
              << "achieved: " << static_cast<double>(appraised) / window << " appraisals/s over " << o.seconds << " s ("
              << appraised << " appraisals)\n"
              << "outcomes:";
    for (const auto& [what, n] : results.outcomes) std::cout << " " << what << "=" << n;
    std::cout << "\nevidence round trip (agent's view, ms): p50 " << percentile(results.round_ms, 0.5) << ", p90 "
              << percentile(results.round_ms, 0.9) << ", p99 " << percentile(results.round_ms, 0.99) << "\n"
              << "rounds started more than one interval late: " << late << "\n";
    if (o.connections == "round") {
        const auto tls = net::tls_handshakes();
        std::cout << "TLS handshakes (agents' side, warm-up included): " << tls.done << ", " << tls.resumed
                  << " of them resumed\n";
    }
    if (metrics && metrics->status == 200) {
        std::smatch m;
        const std::regex sum("keel_appraisal_duration_seconds_sum ([0-9.e+-]+)"),
            count("keel_appraisal_duration_seconds_count ([0-9]+)");
        std::string text = metrics->body;
        double s = 0, c = 0;
        if (std::regex_search(text, m, sum)) s = std::stod(m[1]);
        if (std::regex_search(text, m, count)) c = std::stod(m[1]);
        if (c > 0) std::cout << "verifier's own appraisal time (received to stored), mean: " << 1000 * s / c << " ms\n";
    }
    if (own_dir)
        std::filesystem::remove_all(dir);
    else
        std::cout << "scratch: " << o.dir << "\n";
    return 0;
}
