// TPM2B_PUBLIC (an EK or AK as the TPM describes it): parsed from untrusted
// bytes with libtss2-mu, its TPM name computed, converted to an OpenSSL key,
// and judged as an attestation key.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "attestation/evidence/bytes.hpp"

namespace keel::evidence {

struct EvpPkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

inline constexpr std::uint16_t alg_rsa = 0x0001;
inline constexpr std::uint16_t alg_ecc = 0x0023;

struct TpmPublic {
    std::uint16_t type = 0;  // alg_rsa or alg_ecc
    std::uint16_t name_alg = 0;
    std::uint32_t attributes = 0;  // TPMA_OBJECT
    Bytes auth_policy;
    std::uint16_t symmetric_alg = 0;  // TPM_ALG_NULL (0x10) for a signing key, AES (0x06) for an EK
    std::uint16_t symmetric_bits = 0;
    std::uint16_t symmetric_mode = 0;  // CFB (0x43) for an EK; 0 when symmetric_alg is TPM_ALG_NULL
    std::uint16_t scheme = 0;  // TPM_ALG_NULL, RSASSA, RSAPSS, ECDSA, ...
    std::uint16_t scheme_hash = 0;
    std::uint16_t rsa_bits = 0;
    std::uint32_t rsa_exponent = 0;  // 0 means 65537, as in the TPM
    Bytes rsa_modulus;
    std::uint16_t curve = 0;  // TPM_ECC_NIST_P256 = 0x0003
    Bytes ecc_x, ecc_y;
    Bytes name;  // nameAlg (u16 big-endian) || H_nameAlg(TPMT_PUBLIC)
    Bytes marshalled;  // the TPMT_PUBLIC bytes the name covers
};

// Accepts TPM2B_PUBLIC (u16 size first) and rejects trailing bytes.
TpmPublic parse_public(std::span<const std::uint8_t> bytes);
EvpPkey to_evp_pkey(const TpmPublic& key);
// Reads a PEM public key (SubjectPublicKeyInfo), as tpm2_createak -f pem writes.
EvpPkey read_pem_public_key(std::span<const std::uint8_t> pem);

// Why this key's signature over a TPMS_ATTEST does not show that a TPM made
// it: one sentence per missing property of a restricted signing key
// (restricted, sign, not decrypt). Empty when it does. An unrestricted key
// signs whatever it is given, a forged quote included.
std::vector<std::string> restricted_signing_key_problems(const TpmPublic& key);

// Why this key cannot serve as an attestation key: one sentence per missing
// property (restricted_signing_key_problems, then fixedTPM, fixedParent,
// sensitiveDataOrigin, a scheme of RSASSA/RSAPSS/ECDSA with SHA-256 or
// stronger, RSA >= 2048 bits or P-256/P-384). Empty when it can.
std::vector<std::string> attestation_key_problems(const TpmPublic& key);

}  // namespace keel::evidence
