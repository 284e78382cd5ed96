// The public areas Keel asks the TPM to create keys from, and the check that
// a key found at a persistent handle is one of them.
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include <optional>
#include <string>

#include "attestation/tpm/attester.hpp"

namespace keel::tpm {

// TCG EK Credential Profile 2.x, templates L-1 (RSA-2048) and L-2 (NIST
// P-256): the EK an EK certificate from the manufacturer certifies.
TPM2B_PUBLIC ek_template(EkType type);
// A restricted signing key usable only inside this TPM, the shape
// tpm2_createak makes: RSA-2048 with RSASSA or RSAPSS, or P-256 with ECDSA,
// all with SHA-256.
TPM2B_PUBLIC ak_template(AkScheme scheme);

std::string describe(EkType type);  // "RSA-2048 EK"
std::string describe(AkScheme scheme);  // "RSASSA-SHA256 AK"

// What makes `key` a different kind of key than `wanted` would create
// (type, nameAlg, attributes, authPolicy or parameters), or nullopt. The
// unique field is not compared: it is the key itself.
std::optional<std::string> template_mismatch(const TPMT_PUBLIC& key, const TPMT_PUBLIC& wanted);

}  // namespace keel::tpm
