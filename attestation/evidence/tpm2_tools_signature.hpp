// The signature file of tpm2_quote -s, in either format it writes: a
// TPMT_SIGNATURE (-f tss, the default) or the bare signature (-f plain): an
// RSA signature's bytes, or an ECDSA signature as DER (SEQUENCE {r, s}), as
// checked against tpm2_quote 5.4 on swtpm. A bare signature does not say its
// scheme or hash: as tpm2_checkquote, the hash is the one -g names (default
// SHA-256) and the RSA scheme RSASSA, unless the key's TPM2B_PUBLIC gives
// RSAPSS.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <span>

#include "attestation/evidence/tpm_types.hpp"

namespace keel::evidence {

struct Tpm2ToolsSignature {
    Signature signature;
    bool plain = false;  // read from a bare signature: scheme and hash were not in the file
};

// Which format a file holds follows from the key, so a reader never guesses:
// an RSA signature of exactly the modulus' size is bare (a TPMT_SIGNATURE for
// that key is 6 bytes longer), and so is an ECDSA one that starts as DER
// does (0x30; a TPMT_SIGNATURE starts with its scheme, 0x00 0x18).
// `rsa_scheme` is alg_rsassa or alg_rsapss. Throws ParseError.
Tpm2ToolsSignature parse_tpm2_tools_signature(std::span<const std::uint8_t> bytes, EVP_PKEY* key,
                                              std::uint16_t rsa_scheme, std::uint16_t plain_hash);

}  // namespace keel::evidence
