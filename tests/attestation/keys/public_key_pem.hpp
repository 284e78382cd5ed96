// A key's public half as PEM (SubjectPublicKeyInfo), as `openssl pkey
// -pubout` writes it: what tests hand to commands that take a key file.
#pragma once
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

namespace keel::test {

inline std::string public_key_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) throw std::runtime_error("PEM_write_bio_PUBKEY failed");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace keel::test
