// The checked-in key vectors in tests/data/keys (see its README.md), and the
// few OpenSSL helpers the key tests share.
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/public_key.hpp"

namespace keel::evidence::test {

inline Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string vector_path(const std::string& name) { return std::string(KEEL_KEYS_TEST_DATA) + "/" + name; }
inline Bytes vector_file(const std::string& name) { return read_file(vector_path(name)); }
inline TpmPublic vector_public(const std::string& name) { return parse_public(vector_file(name)); }

// A BIGNUM parameter of an OpenSSL key, big-endian without leading zeros.
inline Bytes bn_param(const EVP_PKEY* key, const char* name) {
    BIGNUM* value = nullptr;
    if (!EVP_PKEY_get_bn_param(key, name, &value)) throw std::runtime_error(std::string("no key parameter ") + name);
    Bytes out(static_cast<std::size_t>(BN_num_bytes(value)));
    BN_bn2bin(value, out.data());
    BN_free(value);
    return out;
}

inline Bytes left_pad(Bytes value, std::size_t size) {
    value.insert(value.begin(), size - value.size(), 0);
    return value;
}

}  // namespace keel::evidence::test
