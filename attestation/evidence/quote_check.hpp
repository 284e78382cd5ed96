// The cryptographic facts about one quote: does the signature verify with
// this key, and what PCR digest do these PCR values give. Policy (which
// result is acceptable) is the verifier's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/tpm_types.hpp"

namespace keel::evidence {

// bank (TPM_ALG_ID) -> PCR index -> value
using PcrValues = std::map<std::uint16_t, std::map<std::uint32_t, Bytes>>;

// Verifies `signature` over `attest` (the TPMS_ATTEST bytes) with `key`:
// RSASSA-PKCS1-v1_5, RSASSA-PSS (any salt length, as TPMs differ) or ECDSA,
// hashed with signature.hash_alg. Returns an empty string when it verifies,
// else one sentence why not (wrong key type for the scheme, unsupported hash,
// "the signature does not verify with the attestation key").
std::string signature_problem(EVP_PKEY* key, std::span<const std::uint8_t> attest, const Signature& signature);

// The digest a TPM puts in a quote's pcrDigest: H_alg over the values of the
// selected PCRs, banks in selection order, PCRs ascending. Returns nullopt
// when `values` lacks a selected PCR or a value has the wrong size, or `alg`
// is not a hash OpenSSL knows.
std::optional<Bytes> pcr_digest(std::uint16_t alg, const std::vector<PcrSelection>& selection, const PcrValues& values);

// Pairs a TPML_PCR_SELECTION with the TPML_DIGESTs that TPM2_PCR_Read (or
// tpm2_quote) returned for it: digests fill the selection in order.
// Throws ParseError when counts or sizes do not fit.
PcrValues pcr_values_from_lists(const std::vector<PcrSelection>& selection, std::vector<Bytes> digests);

}  // namespace keel::evidence
