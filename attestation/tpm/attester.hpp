// The agent's side of the TPM, through tpm2-tss ESAPI: the EK (RSA-2048 or
// ECC P-256, TCG EK Credential Profile template L-1 / L-2) and its
// certificate, a restricted signing AK under the EK, credential activation,
// and quotes over every allocated PCR bank. Every TPM handle, session and
// tpm2-tss allocation is owned by an RAII wrapper, so no failure path leaks
// TPM object memory (keylime#656).
//
// Keys are made persistent at TCG's EK handles (0x81010001 RSA, 0x81010002
// ECC) and Keel's AK handles (ak_persistent_handle) the first time, and
// loaded from there afterwards, so an AK stays enrolled across agent restarts
// and reboots. A persistent key whose public area differs from what Keel
// would create is not used: the agent stops with a message naming the handle.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/tpm_types.hpp"

namespace keel::tpm {

using evidence::Bytes;

// A TPM command or tpm2-tss call failed. what() names the call and decodes
// the response code with Tss2_RC_Decode, e.g. "Esys_Quote: tpm:error(2.0):
// ...".
class TpmError : public std::runtime_error {
public:
    TpmError(const std::string& call, std::uint32_t rc);
    std::uint32_t rc() const { return rc_; }

private:
    std::uint32_t rc_;
};

enum class EkType { rsa2048, ecc_p256 };
enum class AkScheme { rsassa, rsapss, ecdsa };  // RSA-2048 keys for the first two, P-256 for ECDSA; SHA-256

inline constexpr std::uint32_t ek_persistent_handle(EkType t) {
    return t == EkType::rsa2048 ? 0x81010001u : 0x81010002u;
}
inline constexpr std::uint32_t ak_persistent_handle(EkType ek, AkScheme s) {
    return 0x81018000u + (ek == EkType::rsa2048 ? 0u : 0x10u) + static_cast<std::uint32_t>(s);
}

struct AttesterOptions {
    std::string tcti = "device:/dev/tpmrm0";  // a tpm2-tss TCTI configuration string (Tss2_TctiLdr)
    EkType ek = EkType::rsa2048;
    AkScheme ak = AkScheme::rsassa;
    bool persist = true;  // false: transient keys, re-created by every Attester (tests)
};

// What enrollment needs from the host.
struct Identity {
    Bytes ek_public;  // TPM2B_PUBLIC, marshalled with its size
    std::optional<Bytes> ek_certificate;  // DER, from NV 0x01c00002 (RSA) / 0x01c0000a (ECC)
    Bytes ak_public;  // TPM2B_PUBLIC, marshalled with its size
    Bytes ak_name;  // TPM2B_NAME contents
};

// A quote and the PCR values it covers, read so that they belong together:
// PCRs are read before and after TPM2_Quote and the whole is retried (up to
// 5 times) when the PCR update counter moved in between.
struct Quote {
    Bytes attest;  // TPMS_ATTEST (the contents of TPM2B_ATTEST)
    Bytes signature;  // TPMT_SIGNATURE
    Bytes pcr_selection;  // TPML_PCR_SELECTION the values are for
    std::vector<Bytes> pcr_values;  // TPML_DIGEST per TPM2_PCR_Read, filling the selection in order
};

class Attester {
public:
    explicit Attester(const AttesterOptions& options);  // connects; throws TpmError
    ~Attester();
    Attester(const Attester&) = delete;
    Attester& operator=(const Attester&) = delete;

    // Loads (or creates and, with persist, makes persistent) EK and AK.
    Identity identity();
    // TPM2_ActivateCredential with the AK as the object and the EK (through
    // a PolicySecret(TPM_RH_ENDORSEMENT) session) as the key; returns the secret.
    // Throws TpmError when the credential was not made for this EK and AK.
    Bytes activate_credential(std::span<const std::uint8_t> credential_blob,
                              std::span<const std::uint8_t> encrypted_secret);
    // Banks with at least one PCR allocated (TPM2_GetCapability PCRS).
    std::vector<std::uint16_t> allocated_banks();
    // Quote of `pcrs` in every allocated bank, qualified by `nonce` (at most
    // 64 bytes), signed by the AK with its scheme.
    Quote quote(std::span<const std::uint8_t> nonce, const std::vector<std::uint32_t>& pcrs);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace keel::tpm
