// TPM2_MakeCredential done in software (TPM 2.0 Part 1, 24 "Credential
// Protection"; Part 3, 12.6): a secret only the TPM holding `ek` can recover,
// and only by TPM2_ActivateCredential with an object whose name is
// `object_name` (the AK). RSA EKs wrap the seed with OAEP (label
// "IDENTITY"), ECC EKs derive it with ECDH and KDFe; both then use KDFa for
// the AES-CFB key and the HMAC key, with the EK's nameAlg and symmetric
// algorithm.
#pragma once

#include <span>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/public_key.hpp"

namespace keel::evidence {

struct Credential {
    Bytes credential_blob;  // TPM2B_ID_OBJECT, marshalled with its size
    Bytes encrypted_secret;  // TPM2B_ENCRYPTED_SECRET, marshalled with its size
};

// Throws std::runtime_error when the EK is not a storage key Keel can wrap to
// (restricted decrypt, RSA-2048/3072 or NIST P-256/P-384 with
// AES-128/256-CFB), the secret is empty or longer than the EK's nameAlg
// digest, or object_name is not a TPM name (nameAlg || digest).
Credential make_credential(const TpmPublic& ek, std::span<const std::uint8_t> secret,
                           std::span<const std::uint8_t> object_name);

}  // namespace keel::evidence
