// ES256 (RFC 7518 section 3.4): ECDSA on P-256 with SHA-256, the signature
// in a JWS as the raw 64 bytes r || s (each left-padded to 32), not as the
// DER OpenSSL speaks. Keys are OpenSSL 3 EVP_PKEYs that are known to be
// P-256: anything else is refused when the key is loaded, so no other
// curve or key type can reach a signature check.
#pragma once

#include <memory>
#include <openssl/evp.h>
#include <string>
#include <string_view>

#include "attestation/ear/base64url.hpp"
#include "attestation/ear/errors.hpp"

namespace keel::ear {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline constexpr std::size_t es256_signature_bytes = 64;

// An EC P-256 private key from PEM text (PKCS#8 or SEC1). Throws KeyError.
Pkey es256_private_key_from_pem(std::string_view pem);
// An EC P-256 public key from PEM text (SubjectPublicKeyInfo). Throws KeyError.
Pkey es256_public_key_from_pem(std::string_view pem);
// Throws KeyError unless `key` is an EC key on P-256.
void require_p256(EVP_PKEY* key);

// r || s over `input`; throws KeyError when OpenSSL cannot sign.
Bytes es256_sign(EVP_PKEY* key, std::string_view input);
// False for a signature that is not 64 bytes or does not verify.
bool es256_verify(EVP_PKEY* key, std::string_view input, const Bytes& signature);

}  // namespace keel::ear
