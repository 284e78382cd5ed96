// Evidence made in software for unit tests of the verifier: a DRTM event log
// written by the SLB's own log writer, the PCR values it leads to, reference
// values in `keel measure`'s format, and quotes over those PCRs signed with
// an OpenSSL key standing in for the AK. Tests then change one thing at a
// time and expect exactly one named check to fail.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/evidence/quote_check.hpp"
#include "attestation/evidence/tpm_types.hpp"

namespace keel::test {

using evidence::Bytes;

struct Component {
    std::string name;
    std::uint32_t pcr = 17;
    std::uint32_t event_type = 0x602;
    std::string detail;
    Bytes measured;  // the bytes whose hash the event records
};

// H_bank(data) for bank sha1/sha256/sha384/sha512.
Bytes bank_digest(std::uint16_t bank, const Bytes& data);

// slb, slb-loader, hypervisor (PCR 17), launch-manifest (18), guest (19).
std::vector<Component> keel_components();

// The log as the SLB writes it: Spec ID header for `banks`, one event per component.
Bytes drtm_log(const std::vector<std::uint16_t>& banks, const std::vector<Component>& components);
// PCRs 0-23 of every bank after a dynamic launch that measured `components`:
// 17-22 start from zero, the others hold zeros too (a platform without SRTM).
evidence::PcrValues launch_pcrs(const std::vector<std::uint16_t>& banks, const std::vector<Component>& components);
std::string reference_json(const std::vector<std::uint16_t>& banks, const std::vector<Component>& components);

// Every bank of `pcrs`, PCRs 0-23.
std::vector<evidence::PcrSelection> full_selection(const std::vector<std::uint16_t>& banks);
// The values of `selection` in TPML_DIGEST lists of eight, as TPM2_PCR_Read
// gives them (evidence's pcr_values).
std::vector<Bytes> pcr_read_lists(const std::vector<evidence::PcrSelection>& selection,
                                  const evidence::PcrValues& pcrs);

// One launch as a fleet of identical hosts shows it: keel_components()
// padded with "module-N" events on PCR 19 up to `events` (a real launch
// loads several guest modules), every PCR of `banks`, the values as
// TPM2_PCR_Read gives them, the log and `keel measure`'s reference values.
struct SyntheticLaunch {
    std::vector<std::uint16_t> banks;
    std::vector<Component> components;
    std::vector<evidence::PcrSelection> selection;
    evidence::PcrValues pcrs;
    std::vector<Bytes> pcr_values;
    Bytes log;
    std::string reference;
};
SyntheticLaunch make_launch(const std::vector<std::uint16_t>& banks, std::size_t events = 0);

evidence::EvpPkey generate_rsa_key();
evidence::EvpPkey generate_ec_key();

// TPMA_OBJECT of tpm2_createak's AK: restricted, sign, fixedTPM, fixedParent,
// sensitiveDataOrigin, userWithAuth.
inline constexpr std::uint32_t ak_attributes = 0x00050072;
inline constexpr std::uint32_t attribute_restricted = 1u << 16;
// `key` (RSA-2048 or P-256) as the TPM2B_PUBLIC a TPM would describe it with:
// SHA-256 name, RSASSA-SHA256 or ECDSA-SHA256 scheme, the given attributes.
// Made in software, so a test can make any key the TPM would refuse to make.
Bytes tpm2b_public(EVP_PKEY* key, std::uint32_t attributes);

struct SignedQuote {
    Bytes attest;  // TPMS_ATTEST
    Bytes signature;  // TPMT_SIGNATURE
};

struct QuoteContents {
    Bytes nonce;
    std::vector<evidence::PcrSelection> selection;
    evidence::PcrValues pcrs;
    evidence::ClockInfo clock{1000, 3, 0, true};
    std::uint16_t type = evidence::st_attest_quote;
    std::uint32_t magic = evidence::tpm_generated_value;
};

// Signs with RSASSA-SHA256 (RSA keys) or ECDSA-SHA256 (EC keys); the PCR
// digest uses SHA-256, as a TPM does for an AK with a SHA-256 scheme.
SignedQuote sign_quote(EVP_PKEY* key, const QuoteContents& contents);

// What a host that made `launch` sends: a quote by `ak` over the launch's
// PCRs for `nonce`, the PCR values, the DRTM log, and the AK's name.
evidence::EvidenceDocument launch_evidence(const SyntheticLaunch& launch, EVP_PKEY* ak, const Bytes& ak_name,
                                           const Bytes& nonce, evidence::ClockInfo clock = {1000, 3, 0, true});

}  // namespace keel::test
