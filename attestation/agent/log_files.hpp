// The event-log files the agent sends with every quote. They are read again
// for each request (the platform may append to them), but checked once at
// start-up, so that a wrong file (not a TCG log, the firmware's log given as
// the DRTM log) is the operator's error at once (exit 2) instead of the
// first verifier's failed quote.
#pragma once

#include <filesystem>

#include "attestation/evidence/bytes.hpp"

namespace keel::agent {

// The file's bytes; throws std::runtime_error naming it when it cannot be
// read or is larger than an agent sends (at request time the host's fault,
// not the verifier's).
evidence::Bytes read_log(const std::filesystem::path& path);

// Throws RequestError naming the option and the file unless the file is a
// TCG crypto-agile event log whose events extend only PCRs 17-22.
void check_drtm_log(const std::filesystem::path& path);
// Throws RequestError unless the file is a TCG event log (crypto-agile or SHA-1).
void check_boot_log(const std::filesystem::path& path);

// Where Linux publishes the platform's event log (the firmware's on most
// machines; in a Keel management VM, the DRTM log the ACPI TPM2 table names).
inline constexpr const char* PLATFORM_LOG = "/sys/kernel/security/tpm0/binary_bios_measurements";
// True if the file at `path` exists and is a DRTM log (check_drtm_log
// passes): then the agent takes it without --drtm-log. A firmware's log
// there is not one, and an unreadable file is none.
bool is_drtm_log(const std::filesystem::path& path);

}  // namespace keel::agent
