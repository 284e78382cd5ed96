// make_credential without a TPM: EKs whose private keys the test holds, and a
// model of what TPM2_ActivateCredential does with the result (Part 3, 12.5):
// recover the seed, check the outer HMAC over encIdentity and the name, and
// decrypt. The swtpm tests run the real TPM2_ActivateCredential.
#include <gtest/gtest.h>

#include <optional>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "attestation/evidence/kdf.hpp"
#include "attestation/evidence/make_credential.hpp"
#include "key_vectors.hpp"

namespace keel::evidence {
namespace {

using test::bn_param;
using test::left_pad;
using test::vector_file;
using test::vector_public;

constexpr std::uint32_t ek_attributes = 0x000300b2;  // fixedTPM fixedParent sensitiveDataOrigin adminWithPolicy
                                                     // restricted decrypt, as in the default EK templates

struct TestEk {
    EvpPkey private_key;
    TpmPublic pub;
};

TpmPublic storage_key(std::uint16_t type, std::uint16_t name_alg, std::uint16_t symmetric_bits) {
    TpmPublic pub;
    pub.type = type;
    pub.name_alg = name_alg;
    pub.attributes = ek_attributes;
    pub.symmetric_alg = 0x0006;
    pub.symmetric_bits = symmetric_bits;
    pub.symmetric_mode = 0x0043;
    pub.scheme = 0x0010;
    return pub;
}

TestEk rsa_ek(std::uint16_t name_alg = 0x000b, std::uint16_t symmetric_bits = 128) {
    TestEk ek{EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))),
              storage_key(alg_rsa, name_alg, symmetric_bits)};
    ek.pub.rsa_bits = 2048;
    ek.pub.rsa_modulus = left_pad(bn_param(ek.private_key.get(), OSSL_PKEY_PARAM_RSA_N), 256);
    return ek;
}

TestEk ecc_ek(const char* group, std::uint16_t curve, std::size_t field, std::uint16_t name_alg,
              std::uint16_t symmetric_bits) {
    TestEk ek{EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group)),
              storage_key(alg_ecc, name_alg, symmetric_bits)};
    ek.pub.curve = curve;
    ek.pub.ecc_x = left_pad(bn_param(ek.private_key.get(), OSSL_PKEY_PARAM_EC_PUB_X), field);
    ek.pub.ecc_y = left_pad(bn_param(ek.private_key.get(), OSSL_PKEY_PARAM_EC_PUB_Y), field);
    return ek;
}

const char* hash_of(std::uint16_t alg) {
    return alg == 0x000b ? "SHA256" : alg == 0x000c ? "SHA384" : alg == 0x000d ? "SHA512" : "SHA1";
}
std::size_t digest_bytes(std::uint16_t alg) {
    return alg == 0x000b ? 32 : alg == 0x000c ? 48 : alg == 0x000d ? 64 : 20;
}

std::uint16_t u16_at(const Bytes& bytes, std::size_t at) {
    return static_cast<std::uint16_t>(bytes.at(at) << 8 | bytes.at(at + 1));
}

Bytes rsa_seed(const TestEk& ek, const Bytes& encrypted) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, ek.private_key.get(), nullptr);
    char label[] = "IDENTITY";  // sizeof includes the NUL the TPM uses
    char* hash = const_cast<char*>(hash_of(ek.pub.name_alg));
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, const_cast<char*>("oaep"), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, hash, 0),
        OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, label, sizeof label),
        OSSL_PARAM_construct_end(),
    };
    Bytes seed(512);
    std::size_t length = seed.size();
    const bool ok = EVP_PKEY_decrypt_init_ex(ctx, params) == 1 &&
                    EVP_PKEY_decrypt(ctx, seed.data(), &length, encrypted.data(), encrypted.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) ADD_FAILURE() << "the EK cannot OAEP-decrypt the seed with label IDENTITY";
    seed.resize(ok ? length : 0);
    return seed;
}

Bytes ecc_seed(const TestEk& ek, const Bytes& point, const char* group) {
    // TPMS_ECC_POINT: u16 size, x, u16 size, y.
    const std::size_t x_size = u16_at(point, 0);
    const Bytes x(point.begin() + 2, point.begin() + 2 + x_size);
    const std::size_t y_size = u16_at(point, 2 + x_size);
    EXPECT_EQ(point.size(), 4 + x_size + y_size);
    Bytes encoded{0x04};
    encoded.insert(encoded.end(), x.begin(), x.end());
    encoded.insert(encoded.end(), point.begin() + 4 + x_size, point.end());

    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(), encoded.size());
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
    EVP_PKEY_CTX* import = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* ephemeral = nullptr;
    EVP_PKEY_fromdata_init(import);
    EVP_PKEY_fromdata(import, &ephemeral, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX* derive = EVP_PKEY_CTX_new_from_pkey(nullptr, ek.private_key.get(), nullptr);
    Bytes z(66);
    std::size_t length = z.size();
    const bool ok = ephemeral && EVP_PKEY_derive_init(derive) == 1 &&
                    EVP_PKEY_derive_set_peer(derive, ephemeral) == 1 && EVP_PKEY_derive(derive, z.data(), &length) == 1;
    z.resize(ok ? length : 0);
    EVP_PKEY_CTX_free(derive);
    EVP_PKEY_free(ephemeral);
    EVP_PKEY_CTX_free(import);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(build);
    if (!ok) ADD_FAILURE() << "the encrypted secret is not a point on " << group;
    return keys::kdfe(ek.pub.name_alg, z, "IDENTITY", x, ek.pub.ecc_x, 8 * digest_bytes(ek.pub.name_alg));
}

Bytes hmac(std::uint16_t alg, const Bytes& key, const Bytes& data) {
    Bytes out(64);
    std::size_t length = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, hash_of(alg), nullptr, key.data(), key.size(), data.data(), data.size(),
              out.data(), out.size(), &length);
    out.resize(length);
    return out;
}

Bytes aes_cfb_decrypt(const Bytes& key, const Bytes& data) {
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, key.size() == 16 ? "AES-128-CFB" : "AES-256-CFB", nullptr);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const unsigned char iv[16] = {};
    Bytes out(data.size() + 16);
    int length = 0, final_length = 0;
    EVP_DecryptInit_ex2(ctx, cipher, key.data(), iv, nullptr);
    EVP_DecryptUpdate(ctx, out.data(), &length, data.data(), static_cast<int>(data.size()));
    EVP_DecryptFinal_ex(ctx, out.data() + length, &final_length);
    out.resize(static_cast<std::size_t>(length + final_length));
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(cipher);
    return out;
}

// nullopt where the TPM would answer TPM_RC_INTEGRITY.
std::optional<Bytes> activate(const TestEk& ek, const Credential& credential, const Bytes& name,
                              const char* group = nullptr) {
    const Bytes& wrapped = credential.encrypted_secret;
    EXPECT_EQ(u16_at(wrapped, 0) + 2u, wrapped.size());
    const Bytes secret(wrapped.begin() + 2, wrapped.end());
    const Bytes seed = ek.pub.type == alg_rsa ? rsa_seed(ek, secret) : ecc_seed(ek, secret, group);
    EXPECT_EQ(seed.size(), digest_bytes(ek.pub.name_alg));

    const Bytes& blob = credential.credential_blob;
    EXPECT_EQ(u16_at(blob, 0) + 2u, blob.size());
    const std::size_t hmac_size = u16_at(blob, 2);
    const Bytes outer_hmac(blob.begin() + 4, blob.begin() + 4 + static_cast<long>(hmac_size));
    const Bytes enc_identity(blob.begin() + 4 + static_cast<long>(hmac_size), blob.end());

    Bytes covered = enc_identity;
    covered.insert(covered.end(), name.begin(), name.end());
    const Bytes hmac_key = keys::kdfa(ek.pub.name_alg, seed, "INTEGRITY", {}, {}, 8 * seed.size());
    if (hmac(ek.pub.name_alg, hmac_key, covered) != outer_hmac) return std::nullopt;

    const Bytes sym_key = keys::kdfa(ek.pub.name_alg, seed, "STORAGE", name, {}, ek.pub.symmetric_bits);
    const Bytes plain = aes_cfb_decrypt(sym_key, enc_identity);
    EXPECT_EQ(u16_at(plain, 0) + 2u, plain.size());
    return Bytes(plain.begin() + 2, plain.end());
}

Bytes random_bytes(std::size_t size) {
    Bytes out(size);
    RAND_bytes(out.data(), static_cast<int>(size));
    return out;
}

const Bytes& ak_name() {
    static const Bytes name = vector_file("ak_rsassa.name");
    return name;
}

Bytes other_name() {
    Bytes name = ak_name();
    name.back() ^= 0x80;
    return name;
}

TEST(MakeCredential, RsaEkRecoversTheSecretOnlyForTheName) {
    const TestEk ek = rsa_ek();
    const Bytes secret = random_bytes(32);
    const Credential credential = make_credential(ek.pub, secret, ak_name());
    EXPECT_EQ(activate(ek, credential, ak_name()), secret);
    EXPECT_EQ(activate(ek, credential, other_name()), std::nullopt);
}

TEST(MakeCredential, RsaEkWithSha384AndAes256) {
    const TestEk ek = rsa_ek(0x000c, 256);
    const Bytes secret = random_bytes(48);
    EXPECT_EQ(activate(ek, make_credential(ek.pub, secret, ak_name()), ak_name()), secret);
}

TEST(MakeCredential, P256EkRecoversTheSecretOnlyForTheName) {
    const TestEk ek = ecc_ek("P-256", 0x0003, 32, 0x000b, 128);
    const Bytes secret = random_bytes(16);
    const Credential credential = make_credential(ek.pub, secret, ak_name());
    EXPECT_EQ(credential.encrypted_secret.size(), 2u + 2 + 32 + 2 + 32);
    EXPECT_EQ(activate(ek, credential, ak_name(), "P-256"), secret);
    EXPECT_EQ(activate(ek, credential, other_name(), "P-256"), std::nullopt);
}

TEST(MakeCredential, P384EkWithSha384AndAes256) {
    const TestEk ek = ecc_ek("P-384", 0x0004, 48, 0x000c, 256);
    const Bytes secret = random_bytes(48);
    const Credential credential = make_credential(ek.pub, secret, ak_name());
    EXPECT_EQ(credential.encrypted_secret.size(), 2u + 2 + 48 + 2 + 48);
    EXPECT_EQ(activate(ek, credential, ak_name(), "P-384"), secret);
}

TEST(MakeCredential, HmacCoversTheEncryptedCredential) {
    const TestEk ek = rsa_ek();
    Credential credential = make_credential(ek.pub, random_bytes(20), ak_name());
    credential.credential_blob.back() ^= 0x01;
    EXPECT_EQ(activate(ek, credential, ak_name()), std::nullopt);
}

TEST(MakeCredential, LayoutForTheSwtpmEks) {
    const Bytes secret = random_bytes(24);
    struct Case {
        const char* ek;
        std::size_t secret_size, hmac_size;
    };
    for (const Case& c : {Case{"ek_rsa.pub", 256, 32}, Case{"ek_ecc.pub", 2 + 32 + 2 + 32, 32},
                          Case{"ek_ecc384.pub", 2 + 48 + 2 + 48, 48}}) {
        SCOPED_TRACE(c.ek);
        const Credential credential = make_credential(vector_public(c.ek), secret, ak_name());
        const Bytes& blob = credential.credential_blob;
        // TPM2B_ID_OBJECT: size || TPM2B_DIGEST(outer HMAC) || encIdentity (AES-CFB of a TPM2B_DIGEST).
        EXPECT_EQ(blob.size(), 2 + 2 + c.hmac_size + 2 + secret.size());
        EXPECT_EQ(u16_at(blob, 0), blob.size() - 2);
        EXPECT_EQ(u16_at(blob, 2), c.hmac_size);
        EXPECT_EQ(credential.encrypted_secret.size(), 2 + c.secret_size);
        EXPECT_EQ(u16_at(credential.encrypted_secret, 0), c.secret_size);
    }
}

TEST(MakeCredential, EveryCallUsesAFreshSeed) {
    const TpmPublic ek = vector_public("ek_ecc.pub");
    const Bytes secret(32, 0x5a);
    const Credential first = make_credential(ek, secret, ak_name());
    const Credential second = make_credential(ek, secret, ak_name());
    EXPECT_NE(first.encrypted_secret, second.encrypted_secret);
    EXPECT_NE(first.credential_blob, second.credential_blob);
}

TEST(MakeCredential, RefusesWhatATpmCouldNotActivate) {
    const TpmPublic ek = vector_public("ek_rsa.pub");
    EXPECT_THROW(make_credential(ek, Bytes(33, 1), ak_name()), std::runtime_error);  // longer than SHA-256
    EXPECT_THROW(make_credential(ek, Bytes(), ak_name()), std::runtime_error);
    EXPECT_THROW(make_credential(ek, Bytes(16, 1), Bytes(ak_name().begin(), ak_name().end() - 1)), std::runtime_error);
    EXPECT_THROW(make_credential(vector_public("ak_rsassa.pub"), Bytes(16, 1), ak_name()), std::runtime_error);

    TpmPublic ctr = ek;
    ctr.symmetric_mode = 0x0040;
    EXPECT_THROW(make_credential(ctr, Bytes(16, 1), ak_name()), std::runtime_error);
    TpmPublic small = ek;
    small.rsa_bits = 1024;
    EXPECT_THROW(make_credential(small, Bytes(16, 1), ak_name()), std::runtime_error);
    TpmPublic p521 = vector_public("ek_ecc.pub");
    p521.curve = 0x0005;
    EXPECT_THROW(make_credential(p521, Bytes(16, 1), ak_name()), std::runtime_error);
}

}  // namespace
}  // namespace keel::evidence
