// KDFa and KDFe (the private kdf.hpp): the TCG reference implementation's
// KDFa self-test vectors, and OpenSSL's KBKDF and SSKDF as an independent
// implementation of the same NIST constructions for other sizes.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "attestation/evidence/kdf.hpp"

namespace keel::evidence {
namespace {

using keys::kdfa;
using keys::kdfe;

Bytes hex(std::string_view text) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    return out;
}

// From KdfTestData.h of the TCG TPM 2.0 reference code (also in libtpms),
// which the TPM runs as its KDFa self-test: 160 bits, label
// "KDFSELFTESTLABEL" (the TPM2B includes the NUL), contextU || contextV.
struct ReferenceVector {
    std::uint16_t hash;
    const char* expected;
};

class KdfaReference : public ::testing::TestWithParam<ReferenceVector> {};

TEST_P(KdfaReference, MatchesTheTpmSelfTest) {
    const Bytes key = hex("271fa08bbdc5060ec3dfa928ff9b73123a12da0c");
    const Bytes u = hex("ce244f395dca7391"), v = hex("da504031ddf12e83");
    EXPECT_EQ(kdfa(GetParam().hash, key, "KDFSELFTESTLABEL", u, v, 160), hex(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(Tcg, KdfaReference,
                         ::testing::Values(ReferenceVector{0x0004, "55b5a7184aa07423c47dae766c26a2377d7cf851"},
                                           ReferenceVector{0x000b, "bb0259e1c8ba607e6a2cd704b69a902e9ade84c4"},
                                           ReferenceVector{0x000c, "1dce70c9113eb2dba47bd9cfc72bf46f45b09312"},
                                           ReferenceVector{0x000d, "8be2c1b85b78569b9fa759f5857c56d684810fd3"}),
                         [](const auto& info) { return "hash_" + std::to_string(info.param.hash); });

const char* openssl_digest(std::uint16_t hash) {
    switch (hash) {
    case 0x0004: return "SHA1";
    case 0x000b: return "SHA256";
    case 0x000c: return "SHA384";
    default: return "SHA512";
    }
}

// OpenSSL's SP 800-108 counter-mode KDF: [i]32 || label || 0x00 || context || [L]32.
Bytes openssl_kbkdf(std::uint16_t hash, Bytes key, std::string label, Bytes context, std::size_t bytes) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, const_cast<char*>("counter"), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, const_cast<char*>("HMAC"), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(openssl_digest(hash)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key.data(), key.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, label.data(), label.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, context.data(), context.size()),
        OSSL_PARAM_construct_end(),
    };
    Bytes out(bytes);
    const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    if (ok != 1) ADD_FAILURE() << "OpenSSL KBKDF failed";
    return out;
}

// OpenSSL's SP 800-56C one-step KDF with a hash: H([i]32 || Z || FixedInfo).
Bytes openssl_sskdf(std::uint16_t hash, Bytes z, Bytes fixed_info, std::size_t bytes) {
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "SSKDF", nullptr);
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(openssl_digest(hash)), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z.data(), z.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, fixed_info.data(), fixed_info.size()),
        OSSL_PARAM_construct_end(),
    };
    Bytes out(bytes);
    const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    if (ok != 1) ADD_FAILURE() << "OpenSSL SSKDF failed";
    return out;
}

class KdfSizes : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(KdfSizes, KdfaAgreesWithOpensslKbkdf) {
    const Bytes seed = hex("00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef");
    const Bytes name = hex("000b5a1f0b6f2b6c8e1b0c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607182");
    // One block, a block and a byte, several blocks: the counter and [L] both matter.
    for (std::size_t bits : {128u, 256u, 264u, 1024u}) {
        SCOPED_TRACE(bits);
        EXPECT_EQ(kdfa(GetParam(), seed, "STORAGE", name, {}, bits),
                  openssl_kbkdf(GetParam(), seed, "STORAGE", name, bits / 8));
        EXPECT_EQ(kdfa(GetParam(), seed, "INTEGRITY", {}, {}, bits),
                  openssl_kbkdf(GetParam(), seed, "INTEGRITY", {}, bits / 8));
    }
}

TEST_P(KdfSizes, KdfeAgreesWithOpensslSskdf) {
    const Bytes z = hex("8a2b0b1cd1c6f7e2a0b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829");
    const Bytes u = hex("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
    const Bytes v = hex("f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f");
    Bytes fixed_info = {'I', 'D', 'E', 'N', 'T', 'I', 'T', 'Y', 0};
    fixed_info.insert(fixed_info.end(), u.begin(), u.end());
    fixed_info.insert(fixed_info.end(), v.begin(), v.end());
    for (std::size_t bits : {160u, 256u, 384u, 520u}) {
        SCOPED_TRACE(bits);
        EXPECT_EQ(kdfe(GetParam(), z, "IDENTITY", u, v, bits), openssl_sskdf(GetParam(), z, fixed_info, bits / 8));
    }
}

INSTANTIATE_TEST_SUITE_P(Hashes, KdfSizes, ::testing::Values(0x0004, 0x000b, 0x000c, 0x000d),
                         [](const auto& info) { return "hash_" + std::to_string(info.param); });

TEST(Kdf, EveryInputChangesTheKey) {
    const Bytes seed = hex("0102030405060708090a0b0c0d0e0f10");
    const Bytes base = kdfa(0x000b, seed, "STORAGE", hex("000b01"), {}, 128);
    EXPECT_NE(kdfa(0x000b, seed, "INTEGRITY", hex("000b01"), {}, 128), base);
    EXPECT_NE(kdfa(0x000b, seed, "STORAGE", hex("000b02"), {}, 128), base);
    // [L] is hashed too: a longer key does not start with the shorter one.
    const Bytes longer = kdfa(0x000b, seed, "STORAGE", hex("000b01"), {}, 256);
    EXPECT_NE(Bytes(longer.begin(), longer.begin() + 16), base);
    EXPECT_NE(kdfa(0x000c, seed, "STORAGE", hex("000b01"), {}, 128), base);
}

TEST(Kdf, RefusesPartialBytesAndUnknownHashes) {
    const Bytes seed(32, 1);
    EXPECT_THROW(kdfa(0x000b, seed, "STORAGE", {}, {}, 127), std::runtime_error);
    EXPECT_THROW(kdfe(0x000b, seed, "IDENTITY", {}, {}, 0), std::runtime_error);
    EXPECT_THROW(kdfa(0x0012, seed, "STORAGE", {}, {}, 128), std::runtime_error);  // SM3
}

}  // namespace
}  // namespace keel::evidence
