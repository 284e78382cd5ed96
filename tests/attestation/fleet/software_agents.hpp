// Pull-mode agents in software for fleet tests without TPMs: each host has
// its own P-256 AK and serves GET /v1/evidence?nonce=… on a loopback port of
// its own, answering with a genuine TPMS_ATTEST over the verifier's nonce
// (clock moving forward), the PCRs of a synthetic Keel launch and its DRTM
// log, as keel-agent would. Hosts are enrolled straight into a store (the
// enrolment protocol is not what these tests are about; their EKs are
// placeholders and uncertified, which the verdict notes).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "attestation/verifierd/fleet_store.hpp"

namespace keel::test {

class SoftwareAgents {
public:
    // `delay`: each answer takes this long (a TPM's quote takes a while;
    // the verifier holds the host's lease meanwhile).
    explicit SoftwareAgents(int hosts, std::chrono::milliseconds delay = {});
    ~SoftwareAgents();
    SoftwareAgents(const SoftwareAgents&) = delete;
    SoftwareAgents& operator=(const SoftwareAgents&) = delete;

    // Enrolls every host in pull mode at `interval` seconds.
    void enroll(verifierd::FleetStore& store, int interval);
    std::vector<std::string> host_ids() const;
    std::size_t size() const;
    // Evidence requests served, all hosts together.
    std::uint64_t served() const { return served_; }

private:
    struct Host;
    struct Launch;
    std::unique_ptr<Launch> launch_;
    std::chrono::milliseconds delay_;
    std::vector<std::unique_ptr<Host>> hosts_;
    std::atomic<std::uint64_t> served_{0};
};

}  // namespace keel::test
