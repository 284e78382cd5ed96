// Written out rather than through OpenSSL's KBKDF/SSKDF: the TPM's
// definitions are a few lines each, the mapping of the label's NUL and of the
// bit count is then visible next to the spec text, and the tests can use
// OpenSSL's KBKDF and SSKDF as an independent implementation to compare with.
#include "attestation/evidence/kdf.hpp"

#include <stdexcept>

#include <openssl/crypto.h>

#include "attestation/evidence/key_crypto.hpp"

namespace keel::evidence::keys {

namespace {

// Every key Keel derives is whole bytes; the TPM's masking of a partial
// first byte is left out rather than carried untested.
std::size_t whole_bytes(std::size_t bits) {
    if (bits == 0 || bits % 8 != 0 || bits > 8 * 1024)
        throw std::runtime_error("KDF output of " + std::to_string(bits) + " bits is not supported");
    return bits / 8;
}

void append_label(Bytes& block, std::string_view label) {
    block.insert(block.end(), label.begin(), label.end());
    block.push_back(0);
}

}  // namespace

Bytes kdfa(std::uint16_t hash_alg, std::span<const std::uint8_t> key, std::string_view label,
           std::span<const std::uint8_t> context_u, std::span<const std::uint8_t> context_v, std::size_t bits) {
    const std::size_t bytes = whole_bytes(bits);
    Bytes out;
    for (std::uint32_t counter = 1; out.size() < bytes; ++counter) {
        Bytes block;
        append_u32(block, counter);
        append_label(block, label);
        append(block, context_u);
        append(block, context_v);
        append_u32(block, static_cast<std::uint32_t>(bits));
        append(out, hmac(hash_alg, key, block));
    }
    OPENSSL_cleanse(out.data() + bytes, out.size() - bytes);
    out.resize(bytes);
    return out;
}

Bytes kdfe(std::uint16_t hash_alg, std::span<const std::uint8_t> z, std::string_view label,
           std::span<const std::uint8_t> party_u, std::span<const std::uint8_t> party_v, std::size_t bits) {
    const std::size_t bytes = whole_bytes(bits);
    Bytes out;
    for (std::uint32_t counter = 1; out.size() < bytes; ++counter) {
        Bytes block;
        append_u32(block, counter);
        append(block, z);
        append_label(block, label);
        append(block, party_u);
        append(block, party_v);
        append(out, digest(hash_alg, block));
        OPENSSL_cleanse(block.data(), block.size());
    }
    OPENSSL_cleanse(out.data() + bytes, out.size() - bytes);
    out.resize(bytes);
    return out;
}

}  // namespace keel::evidence::keys
