// A host for end-to-end attestation tests without QEMU: a swtpm that went
// through a dynamic launch the way the SLB performs it (the locality-4 hash
// sequence over the SLB, then locality-2 extends of the other components),
// the DRTM event log and reference values that launch gives, and a real
// keel-agent serving that TPM on a free loopback port.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent_process.hpp"
#include "swtpm_fixture.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace keel::test {

struct HostOptions {
    std::string banks = "sha1,sha256";
    bool launch = true;  // false: no dynamic launch, PCR 17 stays all ones
    std::vector<std::string> agent_options;  // e.g. {"--ek", "ecc", "--ak", "ecdsa"}
};

class SimulatedHost {
public:
    explicit SimulatedHost(const HostOptions& options = {});
    ~SimulatedHost();

    const std::string& url() const { return agent_->url(); }
    Swtpm& tpm() { return *tpm_; }
    const std::filesystem::path& dir() const { return tpm_->dir(); }
    std::string reference_file() const { return (dir() / "reference.json").string(); }
    std::string drtm_log_file() const { return (dir() / "drtm.bin").string(); }
    const std::vector<std::uint16_t>& banks() const { return banks_; }

    // The agent lets go of the TPM (swtpm serves one client at a time).
    void stop_agent();
    void start_agent();
    // A reboot with the same launch: TPM reset (resetCount + 1), launch again, agent again.
    void reboot();

private:
    void launch();

    HostOptions options_;
    std::vector<std::uint16_t> banks_;
    std::unique_ptr<Swtpm> tpm_;
    std::unique_ptr<AgentProcess> agent_;
};

// GET /v1/evidence?nonce=<hex> from an agent; throws on anything but 200.
std::string fetch_evidence(const std::string& url, const std::string& nonce_hex);

}  // namespace keel::test
