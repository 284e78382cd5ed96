#include "attestation/evidence/key_crypto.hpp"

#include <cstdio>
#include <stdexcept>

#include <openssl/err.h>

namespace keel::evidence::keys {

const char* hash_name(std::uint16_t alg) {
    switch (alg) {
    case alg_sha1: return "SHA1";
    case alg_sha256: return "SHA256";
    case alg_sha384: return "SHA384";
    case alg_sha512: return "SHA512";
    default: return nullptr;
    }
}

std::size_t digest_size(std::uint16_t alg) {
    switch (alg) {
    case alg_sha1: return 20;
    case alg_sha256: return 32;
    case alg_sha384: return 48;
    case alg_sha512: return 64;
    default: return 0;
    }
}

std::string describe_hash(std::uint16_t alg) {
    char id[16];
    std::snprintf(id, sizeof id, "0x%04x", alg);
    switch (alg) {
    case alg_sha1: return std::string("SHA-1 (") + id + ")";
    case alg_sha256: return std::string("SHA-256 (") + id + ")";
    case alg_sha384: return std::string("SHA-384 (") + id + ")";
    case alg_sha512: return std::string("SHA-512 (") + id + ")";
    case 0x0010: return std::string("TPM_ALG_NULL (") + id + ")";
    default: return std::string("algorithm ") + id;
    }
}

static const char* known_hash(std::uint16_t alg) {
    const char* name = hash_name(alg);
    if (!name) throw std::runtime_error("hash " + describe_hash(alg) + " is not SHA-1/256/384/512");
    return name;
}

Bytes digest(std::uint16_t alg, std::span<const std::uint8_t> data) {
    Bytes out(digest_size(alg));
    std::size_t length = 0;
    if (!EVP_Q_digest(nullptr, known_hash(alg), nullptr, data.data(), data.size(), out.data(), &length) ||
        length != out.size())
        throw std::runtime_error("digest failed: " + take_openssl_error());
    return out;
}

Bytes hmac(std::uint16_t alg, std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
    Bytes out(digest_size(alg));
    std::size_t length = 0;
    // OpenSSL rejects a null key pointer even for an empty key.
    static const std::uint8_t no_key = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, known_hash(alg), nullptr, key.empty() ? &no_key : key.data(), key.size(),
                   data.data(), data.size(), out.data(), out.size(), &length) ||
        length != out.size())
        throw std::runtime_error("HMAC failed: " + take_openssl_error());
    return out;
}

std::string take_openssl_error() {
    const char* function = nullptr;
    const char* data = nullptr;
    int flags = 0;
    const unsigned long code = ERR_get_error_all(nullptr, nullptr, &function, &data, &flags);
    if (code == 0) {
        ERR_clear_error();
        return "no OpenSSL error recorded";
    }
    // A process may skip loading OpenSSL's error strings (keel does, for
    // start-up time): then the function, the detail and the code (which
    // `openssl errstr` explains) say what failed.
    char hex[24];
    std::snprintf(hex, sizeof hex, "%08lX", code);
    std::string text;
    if (const char* reason = ERR_reason_error_string(code))
        text = reason;
    else
        text = std::string("OpenSSL error ") + hex + " (`openssl errstr " + hex + "` explains it)";
    if (function && *function) text += std::string(" in ") + function;
    if (data && *data && (flags & ERR_TXT_STRING)) text += std::string(": ") + data;
    ERR_clear_error();
    return text;
}

void append_u16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
}

void append_u32(Bytes& out, std::uint32_t value) {
    append_u16(out, static_cast<std::uint16_t>(value >> 16));
    append_u16(out, static_cast<std::uint16_t>(value));
}

void append(Bytes& out, std::span<const std::uint8_t> data) { out.insert(out.end(), data.begin(), data.end()); }

}  // namespace keel::evidence::keys
