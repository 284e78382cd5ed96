// Private to keel_keys: the TPM hash algorithms keys are named and wrapped
// with, as OpenSSL 3 names them, and owning handles for the OpenSSL objects
// the key code creates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "attestation/evidence/bytes.hpp"

namespace keel::evidence::keys {

inline constexpr std::uint16_t alg_sha1 = 0x0004;
inline constexpr std::uint16_t alg_sha256 = 0x000b;
inline constexpr std::uint16_t alg_sha384 = 0x000c;
inline constexpr std::uint16_t alg_sha512 = 0x000d;

// OpenSSL's name for a TPM hash ("SHA256"), or nullptr when Keel does not
// name or wrap keys with it.
const char* hash_name(std::uint16_t alg);
// 0 when hash_name() is nullptr.
std::size_t digest_size(std::uint16_t alg);
// "SHA-256 (0x000b)", for messages about untrusted values.
std::string describe_hash(std::uint16_t alg);

// Both throw std::runtime_error for a hash hash_name() does not know.
Bytes digest(std::uint16_t alg, std::span<const std::uint8_t> data);
Bytes hmac(std::uint16_t alg, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

// The oldest queued OpenSSL error as text; empties the queue so a failure
// here cannot be reported again by unrelated code.
std::string take_openssl_error();

template <auto Free> struct OsslDeleter {
    template <typename T> void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, OsslDeleter<BIO_free>>;
using Bignum = std::unique_ptr<BIGNUM, OsslDeleter<BN_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, OsslDeleter<EVP_CIPHER_CTX_free>>;
using Cipher = std::unique_ptr<EVP_CIPHER, OsslDeleter<EVP_CIPHER_free>>;

void append_u16(Bytes& out, std::uint16_t value);
void append_u32(Bytes& out, std::uint32_t value);
void append(Bytes& out, std::span<const std::uint8_t> data);

}  // namespace keel::evidence::keys
