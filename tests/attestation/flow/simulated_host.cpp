#include "simulated_host.hpp"

#include <chrono>
#include <fstream>
#include <httplib.h>
#include <openssl/evp.h>
#include <regex>
#include <sstream>
#include <thread>

#include "attestation/eventlog/algorithm.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;

std::string env(const char* name) {
    const char* v = std::getenv(name);
    if (!v) throw std::runtime_error(std::string("environment variable ") + name + " not set (run through ctest)");
    return v;
}

// CTest's test discovery passes one environment variable at most; the tools'
// paths are compiled in, and the environment may still override them.
const bool tool_paths_set = [] {
    setenv("KEEL_CLI", KEEL_CLI_PATH, 0);
    setenv("KEEL_AGENT", KEEL_AGENT_PATH, 0);
    return true;
}();

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Bytes digest(std::uint16_t bank, const Bytes& data) {
    const EVP_MD* md = bank == eventlog::alg_sha1     ? EVP_sha1()
                       : bank == eventlog::alg_sha256 ? EVP_sha256()
                       : bank == eventlog::alg_sha384 ? EVP_sha384()
                                                      : EVP_sha512();
    Bytes out(EVP_MD_get_size(md));
    EVP_Digest(data.data(), data.size(), out.data(), nullptr, md, nullptr);
    return out;
}

}  // namespace

SimulatedHost::SimulatedHost(const HostOptions& options) : options_(options) {
    std::stringstream list(options.banks);
    for (std::string name; std::getline(list, name, ',');) banks_.push_back(*eventlog::algorithm_from_name(name));
    tpm_ = std::make_unique<Swtpm>(SwtpmOptions{options.banks});
    auto components = keel_components();
    std::ofstream(reference_file()) << reference_json(banks_, components);
    if (options_.launch) {
        auto log = drtm_log(banks_, components);
        std::ofstream(drtm_log_file(), std::ios::binary)
            .write(reinterpret_cast<const char*>(log.data()), static_cast<std::streamsize>(log.size()));
        launch();
    }
    start_agent();
}

SimulatedHost::~SimulatedHost() { stop_agent(); }

void SimulatedHost::launch() {
    auto components = keel_components();
    // SKINIT: the CPU hashes the SLB at locality 4; the first event records that hash.
    tpm_->hash_sequence(components.front().measured);
    for (std::size_t i = 1; i < components.size(); ++i) {
        std::map<std::uint16_t, Bytes> digests;
        for (auto bank : banks_) digests[bank] = digest(bank, components[i].measured);
        tpm_->extend(components[i].pcr, 2, digests);
    }
}

void SimulatedHost::start_agent() {
    std::vector<std::string> argv = {env("KEEL_AGENT"), "serve", "--tcti", tpm_->tcti(), "--listen", "127.0.0.1:0"};
    if (options_.launch) argv.insert(argv.end(), {"--drtm-log", drtm_log_file()});
    argv.insert(argv.end(), options_.agent_options.begin(), options_.agent_options.end());
    auto out = dir() / "agent.out", err = dir() / "agent.err";
    agent_ = std::make_unique<platform::ChildProcess>(platform::SpawnOptions{argv, out, err, true, false});
    std::regex serving("serving on (http://127\\.0\\.0\\.1:[0-9]+)");
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(10ms)) {
        std::smatch m;
        auto text = read_text(out);
        if (std::regex_search(text, m, serving)) {
            url_ = m[1];
            return;
        }
        if (agent_->poll()) break;
    }
    throw std::runtime_error("keel-agent did not start: " + read_text(err));
}

void SimulatedHost::stop_agent() {
    if (agent_) agent_->stop();
    agent_.reset();
}

void SimulatedHost::reboot() {
    stop_agent();
    tpm_->restart();
    if (options_.launch) launch();
    start_agent();
}

std::string fetch_evidence(const std::string& url, const std::string& nonce_hex) {
    httplib::Client client(url);
    client.set_read_timeout(60, 0);
    auto res = client.Get("/v1/evidence?nonce=" + nonce_hex);
    if (!res || res->status != 200)
        throw std::runtime_error("evidence from " + url +
                                 " failed: " + (res ? res->body : httplib::to_string(res.error())));
    return res->body;
}

}  // namespace keel::test
