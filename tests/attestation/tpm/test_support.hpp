// What the keel_tpm tests share: tpm2-tools and openssl runs, files, hashes,
// and the AK public key as PEM for tpm2_checkquote.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "attestation/tpm/attester.hpp"
#include "swtpm_fixture.hpp"

namespace keel::test {

tpm::AttesterOptions attester_options(const Swtpm& swtpm, tpm::EkType ek, tpm::AkScheme ak, bool persist = false);

struct ToolRun {
    int status = -1;
    std::string output;  // stdout and stderr
};

// Runs a program from PATH in `dir` and waits up to 30 s for it.
ToolRun run_tool(const std::vector<std::string>& argv, const std::filesystem::path& dir);

void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
Bytes read_file(const std::filesystem::path& path);
std::string hex(std::span<const std::uint8_t> bytes);
Bytes concat(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// OpenSSL digest by name: "SHA1", "SHA256", "SHA384".
Bytes digest(const char* algorithm, std::span<const std::uint8_t> data);

// SubjectPublicKeyInfo PEM of a TPM2B_PUBLIC (RSA or NIST P-256), built with
// OpenSSL from the modulus or point.
std::string public_key_pem(std::span<const std::uint8_t> tpm2b_public);

}  // namespace keel::test
