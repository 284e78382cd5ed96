// What the agent does, independent of how it is asked: its identity for
// enrolment, the answer to a credential challenge, and evidence for a
// nonce. One TPM connection, used by one request at a time.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "attestation/tpm/attester.hpp"

namespace keel::agent {

struct AgentOptions {
    tpm::AttesterOptions tpm;
    std::optional<std::filesystem::path> drtm_log;  // the DRTM event log the SLB wrote, as exported
    std::optional<std::filesystem::path> boot_log;  // the firmware's (UEFI) event log, if the platform has one
    std::vector<std::uint32_t> pcrs;  // quoted in every allocated bank
};

// Bad request: the caller's fault (HTTP 400, exit status 2).
class RequestError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class AgentService {
public:
    explicit AgentService(const AgentOptions& options);  // connects to the TPM, loads or creates the keys

    std::string identity_json();
    std::string activate_json(const std::string& challenge_json);
    // `nonce_hex`: 1 to 64 bytes in hex, chosen by the verifier.
    std::string evidence_json(const std::string& nonce_hex);

private:
    AgentOptions options_;
    std::mutex tpm_mutex_;
    tpm::Attester attester_;
    evidence::Bytes ak_name_;
};

}  // namespace keel::agent
