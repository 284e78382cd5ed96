#include "simulated_host.hpp"

#include <fstream>
#include <httplib.h>
#include <sstream>

#include "attestation/eventlog/algorithm.hpp"
#include "tests/launch/launch_run.hpp"

namespace keel::test {
namespace {

// CTest's test discovery passes one environment variable at most; the tools'
// paths are compiled in, and the environment may still override them.
const bool tool_paths_set = [] {
    setenv("KEEL_CLI", KEEL_CLI_PATH, 0);
    setenv("KEEL_AGENT", KEEL_AGENT_PATH, 0);
    return true;
}();

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
        for (auto bank : banks_) digests[bank] = bank_digest(bank, components[i].measured);
        tpm_->extend(components[i].pcr, 2, digests);
    }
}

void SimulatedHost::start_agent() {
    std::vector<std::string> options = {"--tcti", tpm_->tcti()};
    if (options_.launch) options.insert(options.end(), {"--drtm-log", drtm_log_file()});
    options.insert(options.end(), options_.agent_options.begin(), options_.agent_options.end());
    agent_ = std::make_unique<AgentProcess>(env("KEEL_AGENT"), options, dir());
}

void SimulatedHost::stop_agent() { agent_.reset(); }

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
