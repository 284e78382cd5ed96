// TPM 2.0 structures that travel in evidence, parsed from their standard
// marshalling (TPM 2.0 Part 2) with libtss2-mu. Every function here takes
// untrusted bytes: it checks that they form exactly one structure (no
// trailing bytes) and throws ParseError otherwise; none allocates more than
// the input's size justifies. Verification is elsewhere (quote_check.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "attestation/evidence/bytes.hpp"

namespace keel::evidence {

inline constexpr std::uint32_t tpm_generated_value = 0xff544347;  // TPM_GENERATED_VALUE
inline constexpr std::uint16_t st_attest_quote = 0x8018;  // TPM_ST_ATTEST_QUOTE

// The signature schemes an AK may use (TPM_ALG_ID).
inline constexpr std::uint16_t alg_rsassa = 0x0014;
inline constexpr std::uint16_t alg_rsapss = 0x0016;
inline constexpr std::uint16_t alg_ecdsa = 0x0018;

// "RSASSA", "RSAPSS", "ECDSA", or "unknown scheme".
inline const char* signature_scheme_name(std::uint16_t sig_alg) {
    switch (sig_alg) {
    case alg_rsassa: return "RSASSA";
    case alg_rsapss: return "RSAPSS";
    case alg_ecdsa: return "ECDSA";
    default: return "unknown scheme";
    }
}

// One bank of a TPML_PCR_SELECTION: the hash and the PCR indices, ascending.
struct PcrSelection {
    std::uint16_t hash_alg = 0;
    std::vector<std::uint32_t> pcrs;
    bool operator==(const PcrSelection&) const = default;
};

struct ClockInfo {
    std::uint64_t clock = 0;
    std::uint32_t reset_count = 0;
    std::uint32_t restart_count = 0;
    bool safe = false;
};

// TPMS_ATTEST. The quote fields are filled only when type == st_attest_quote.
struct Attest {
    std::uint32_t magic = 0;
    std::uint16_t type = 0;
    Bytes qualified_signer;  // TPM2B_NAME contents
    Bytes extra_data;  // the nonce
    ClockInfo clock_info;
    std::uint64_t firmware_version = 0;
    std::vector<PcrSelection> pcr_select;  // quote only
    Bytes pcr_digest;  // quote only
};

// TPMT_SIGNATURE for the schemes an AK may use.
struct Signature {
    std::uint16_t sig_alg = 0;  // TPM_ALG_RSASSA 0x14, TPM_ALG_RSAPSS 0x16, TPM_ALG_ECDSA 0x18
    std::uint16_t hash_alg = 0;
    Bytes rsa_signature;  // RSASSA, RSAPSS
    Bytes ecdsa_r, ecdsa_s;  // ECDSA
};

// Inputs over 4,096 bytes (more than any of these structures) are refused.
// A PCR selection may have a sizeofSelect of 0 to 4, so PCRs 0-31: PC Client
// TPMs use 3 bytes for their 24 PCRs, but the structure allows more, and
// which PCRs a platform has is the verifier's policy, not syntax. A bank may
// appear once only, as PcrValues is keyed by bank. parse_signature takes only
// RSASSA, RSAPSS and ECDSA; TPMS_ATTEST's clockInfo.safe must be 0 or 1.
Attest parse_attest(std::span<const std::uint8_t> bytes);  // TPMS_ATTEST (no TPM2B size)
Signature parse_signature(std::span<const std::uint8_t> bytes);  // TPMT_SIGNATURE
std::vector<PcrSelection> parse_pcr_selection(std::span<const std::uint8_t> bytes);  // TPML_PCR_SELECTION
std::vector<Bytes> parse_digest_list(std::span<const std::uint8_t> bytes);  // TPML_DIGEST

// These throw std::invalid_argument for what the structures cannot hold
// (more than 16 banks, a PCR above 31, a digest over 64 bytes).
Bytes marshal_pcr_selection(const std::vector<PcrSelection>& selection);  // sizeofSelect 3, or 4 for PCRs 24-31
Bytes marshal_digest_list(const std::vector<Bytes>& digests);  // at most 8 digests

}  // namespace keel::evidence
