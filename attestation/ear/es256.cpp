#include "attestation/ear/es256.hpp"

#include <cstring>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace keel::ear {
namespace {

constexpr std::size_t coordinate_bytes = 32;

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
    void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view text) {
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

}  // namespace

void require_p256(EVP_PKEY* key) {
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        throw KeyError("the key is not an EC key (ES256 needs P-256)");
    char group[64] = {};
    std::size_t length = 0;
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) ||
        std::strcmp(group, "prime256v1") != 0)
        throw KeyError(std::string("the key is on curve ") + (length ? group : "(unknown)") +
                       ", not P-256 (ES256 needs P-256)");
}

Pkey es256_private_key_from_pem(std::string_view pem) {
    auto bio = memory_bio(pem);
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    if (!key) throw KeyError("no PEM private key found");
    require_p256(key.get());
    return key;
}

Pkey es256_public_key_from_pem(std::string_view pem) {
    auto bio = memory_bio(pem);
    Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    if (!key) throw KeyError("no PEM public key (BEGIN PUBLIC KEY) found");
    require_p256(key.get());
    return key;
}

Bytes es256_sign(EVP_PKEY* key, std::string_view input) {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    std::size_t der_size = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &der_size, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1)
        throw KeyError("OpenSSL could not sign with the EAR key");
    Bytes der(der_size);
    if (EVP_DigestSign(ctx.get(), der.data(), &der_size, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1)
        throw KeyError("OpenSSL could not sign with the EAR key");
    const unsigned char* p = der.data();
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size)));
    if (!sig) throw KeyError("OpenSSL's ECDSA signature did not parse");
    Bytes raw(es256_signature_bytes);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), coordinate_bytes) != coordinate_bytes ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + coordinate_bytes, coordinate_bytes) != coordinate_bytes)
        throw KeyError("an ECDSA signature value does not fit 32 bytes");
    return raw;
}

bool es256_verify(EVP_PKEY* key, std::string_view input, const Bytes& signature) {
    if (signature.size() != es256_signature_bytes) return false;
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(signature.data(), coordinate_bytes, nullptr);
    BIGNUM* s = BN_bin2bn(signature.data() + coordinate_bytes, coordinate_bytes, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return false;
    }
    unsigned char* der = nullptr;
    const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
    if (der_size <= 0) return false;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_size),
                                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

}  // namespace keel::ear
