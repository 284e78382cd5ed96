// What every way into `keel verify` reads from the command line and from
// files: the options, the AK, reference values, policy and evidence, each
// loaded with a size limit and reported as bad input (InputError) or as a
// file that could not be read (FileError) naming the file.
#pragma once

#include <optional>
#include <string>

#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifier/verifier.hpp"

namespace keel::cli {

struct VerifyOptions {
    std::string db, host_id, agent, evidence, nonce, ak_public, reference, policy;
    // tpm2_checkquote's names
    std::string message, signature, pcrs, pcr_list, pcr_format, hash, eventlog;
    bool json = false;
};

inline constexpr std::size_t max_json_bytes = 16u << 20;
inline constexpr std::size_t max_tpm_file_bytes = 64u << 10;

evidence::Bytes parse_hex_option(const std::string& name, std::string text);
// Keel's own appraisal needs a nonce: without one a quote proves nothing fresh.
evidence::Bytes parse_nonce(const std::string& text);

struct LoadedKey {
    evidence::EvpPkey key;
    std::optional<evidence::TpmPublic> public_area;  // a TPM2B_PUBLIC shows the key's attributes; PEM does not

    void expect(verifier::Expectations& x) const {
        x.ak = key.get();
        x.ak_public = public_area ? &*public_area : nullptr;
    }
};

// A PEM public key, or a TPM2B_PUBLIC as tpm2_createak -u writes.
LoadedKey load_key(const std::string& path);
std::optional<eventlog::ReferenceValues> load_reference(const std::string& path);
std::optional<verifier::Policy> load_policy(const std::string& path);
verifier::Evidence parse_evidence_text(const std::string& what, const std::string& text);

// Prints the result (text or JSON); returns the exit status.
int report(const VerifyOptions& o, const verifier::AttestationResult& r);

// tpm2_checkquote's files (verify_checkquote.cpp).
int run_checkquote(const VerifyOptions& o);

}  // namespace keel::cli
