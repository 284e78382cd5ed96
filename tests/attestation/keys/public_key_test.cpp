// parse_public, to_evp_pkey and read_pem_public_key on keys swtpm made
// (tests/data/keys): names as tpm2-tools printed them, the same keys as the
// PEM files tpm2-tools wrote, and malformed or unusual inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "attestation/evidence/public_key.hpp"
#include "key_vectors.hpp"

namespace keel::evidence {
namespace {

using test::bn_param;
using test::vector_file;
using test::vector_public;
using ::testing::HasSubstr;

constexpr std::uint32_t restricted = 1u << 16, decrypt = 1u << 17, sign = 1u << 18;

// The TCG's EK policy A (PolicySecret(TPM_RH_ENDORSEMENT), SHA-256), from the
// EK Credential Profile: the default templates tpm2_createek uses carry it.
const Bytes ek_policy_a = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
                           0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
                           0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

EvpPkey pem_key(const std::string& name) { return read_pem_public_key(vector_file(name)); }

TEST(PublicKey, RsaEkFromDefaultTemplate) {
    const Bytes file = vector_file("ek_rsa.pub");
    const TpmPublic ek = parse_public(file);
    EXPECT_EQ(ek.type, alg_rsa);
    EXPECT_EQ(ek.name_alg, 0x000b);
    EXPECT_EQ(ek.attributes & (restricted | decrypt | sign), restricted | decrypt);
    EXPECT_EQ(ek.auth_policy, ek_policy_a);
    EXPECT_EQ(ek.symmetric_alg, 0x0006);
    EXPECT_EQ(ek.symmetric_bits, 128);
    EXPECT_EQ(ek.symmetric_mode, 0x0043);
    EXPECT_EQ(ek.scheme, 0x0010);
    EXPECT_EQ(ek.rsa_bits, 2048);
    EXPECT_EQ(ek.rsa_exponent, 0u);
    EXPECT_EQ(ek.rsa_modulus.size(), 256u);
    EXPECT_EQ(ek.marshalled, Bytes(file.begin() + 2, file.end()));
    EXPECT_EQ(ek.name, vector_file("ek_rsa.name"));
}

TEST(PublicKey, EccEkFromDefaultTemplate) {
    const TpmPublic ek = vector_public("ek_ecc.pub");
    EXPECT_EQ(ek.type, alg_ecc);
    EXPECT_EQ(ek.curve, 0x0003);
    EXPECT_EQ(ek.ecc_x.size(), 32u);
    EXPECT_EQ(ek.ecc_y.size(), 32u);
    EXPECT_EQ(ek.auth_policy, ek_policy_a);
    EXPECT_EQ(ek.name, vector_file("ek_ecc.name"));
}

TEST(PublicKey, Sha384NameOfSwtpmsP384Ek) {
    const TpmPublic ek = vector_public("ek_ecc384.pub");
    EXPECT_EQ(ek.name_alg, 0x000c);
    EXPECT_EQ(ek.curve, 0x0004);
    EXPECT_EQ(ek.symmetric_bits, 256);
    EXPECT_EQ(ek.name.size(), 2u + 48u);
    EXPECT_EQ(ek.name, vector_file("ek_ecc384.name"));
}

struct AkCase {
    const char* stem;
    std::uint16_t type, scheme;
};

class AkVector : public ::testing::TestWithParam<AkCase> {};

TEST_P(AkVector, NameAsTpm2CreateakPrintedIt) {
    const TpmPublic ak = vector_public(std::string(GetParam().stem) + ".pub");
    EXPECT_EQ(ak.type, GetParam().type);
    EXPECT_EQ(ak.scheme, GetParam().scheme);
    EXPECT_EQ(ak.scheme_hash, 0x000b);
    EXPECT_EQ(ak.name, vector_file(std::string(GetParam().stem) + ".name"));
}

TEST_P(AkVector, SameKeyAsTpm2ToolsPem) {
    const EvpPkey from_tpm = to_evp_pkey(vector_public(std::string(GetParam().stem) + ".pub"));
    EXPECT_EQ(EVP_PKEY_eq(from_tpm.get(), pem_key(std::string(GetParam().stem) + ".pem").get()), 1);
}

TEST_P(AkVector, RealAkHasNoProblems) {
    EXPECT_THAT(attestation_key_problems(vector_public(std::string(GetParam().stem) + ".pub")), ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Tpm2Createak, AkVector,
                         ::testing::Values(AkCase{"ak_rsassa", alg_rsa, 0x0014}, AkCase{"ak_rsapss", alg_rsa, 0x0016},
                                           AkCase{"ak_ecdsa", alg_ecc, 0x0018}),
                         [](const auto& info) { return std::string(info.param.stem); });

TEST(PublicKey, EksEqualTheirPem) {
    for (const char* stem : {"ek_rsa", "ek_ecc"}) {
        SCOPED_TRACE(stem);
        const EvpPkey from_tpm = to_evp_pkey(vector_public(std::string(stem) + ".pub"));
        EXPECT_EQ(EVP_PKEY_eq(from_tpm.get(), pem_key(std::string(stem) + ".pem").get()), 1);
    }
}

TEST(PublicKey, DifferentKeysAreNotEqual) {
    const EvpPkey ek = to_evp_pkey(vector_public("ek_rsa.pub"));
    EXPECT_NE(EVP_PKEY_eq(ek.get(), pem_key("ak_rsassa.pem").get()), 1);
    const EvpPkey ecc = to_evp_pkey(vector_public("ek_ecc.pub"));
    EXPECT_NE(EVP_PKEY_eq(ecc.get(), pem_key("ak_ecdsa.pem").get()), 1);
}

TEST(PublicKey, NameChangesWithTheModulus) {
    Bytes file = vector_file("ek_rsa.pub");
    file.back() ^= 0x01;  // the modulus is the last field
    EXPECT_NE(parse_public(file).name, vector_file("ek_rsa.name"));
}

TEST(PublicKey, ExponentZeroMeans65537) {
    const EvpPkey key = to_evp_pkey(vector_public("ek_rsa.pub"));
    EXPECT_EQ(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E), (Bytes{0x01, 0x00, 0x01}));
    TpmPublic three = vector_public("ek_rsa.pub");
    three.rsa_exponent = 3;
    EXPECT_EQ(bn_param(to_evp_pkey(three).get(), OSSL_PKEY_PARAM_RSA_E), (Bytes{0x03}));
}

TEST(PublicKey, ShortEccCoordinatesAreLeftPadded) {
    // About one key in 256 has an x below 2^248; TPMs may send it as 31 bytes.
    for (int attempt = 0; attempt < 20000; ++attempt) {
        EvpPkey generated(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        ASSERT_TRUE(generated);
        const Bytes x = bn_param(generated.get(), OSSL_PKEY_PARAM_EC_PUB_X);
        if (x.size() == 32) continue;
        TpmPublic key;
        key.type = alg_ecc;
        key.curve = 0x0003;
        key.ecc_x = x;
        key.ecc_y = bn_param(generated.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
        EXPECT_EQ(EVP_PKEY_eq(to_evp_pkey(key).get(), generated.get()), 1);
        return;
    }
    FAIL() << "no P-256 key with a short x in 20000 attempts";
}

TEST(PublicKey, PointOffTheCurveIsRefused) {
    TpmPublic key = vector_public("ek_ecc.pub");
    key.ecc_y.back() ^= 0x01;
    EXPECT_THROW(to_evp_pkey(key), std::runtime_error);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PublicKey, UnknownCurveIsRefused) {
    TpmPublic key = vector_public("ek_ecc.pub");
    key.curve = 0x0010;  // TPM_ECC_BN_P256
    EXPECT_THROW(to_evp_pkey(key), std::runtime_error);
}

// --- malformed TPM2B_PUBLIC -------------------------------------------------

std::string parse_error(const Bytes& bytes) {
    try {
        parse_public(bytes);
    } catch (const ParseError& error) { return error.what(); }
    return "(parsed)";
}

TEST(PublicKeyParse, RefusesTrailingBytes) {
    Bytes file = vector_file("ak_rsassa.pub");
    file.push_back(0);
    EXPECT_THAT(parse_error(file), HasSubstr("1 bytes after the end"));
}

TEST(PublicKeyParse, RefusesZeroSize) {
    EXPECT_THAT(parse_error({0x00, 0x00}), HasSubstr("size 0"));
    EXPECT_THAT(parse_error({}), HasSubstr("too short"));
    EXPECT_THAT(parse_error({0x01}), HasSubstr("too short"));
}

TEST(PublicKeyParse, RefusesTruncation) {
    Bytes file = vector_file("ak_ecdsa.pub");
    file.pop_back();
    EXPECT_THAT(parse_error(file), HasSubstr("follow"));
}

TEST(PublicKeyParse, RefusesAPublicAreaShorterThanItsSize) {
    // Shrink the modulus' own size field by one and keep the byte: the outer
    // size then claims one byte the public area does not contain.
    Bytes file = vector_file("ek_rsa.pub");
    const std::size_t modulus_size_at = file.size() - 256 - 2;
    ASSERT_EQ(file[modulus_size_at], 0x01);
    ASSERT_EQ(file[modulus_size_at + 1], 0x00);
    file[modulus_size_at + 1] = 0xff;
    file[modulus_size_at] = 0x00;
    EXPECT_THAT(parse_error(file), HasSubstr("before its size says"));
}

TEST(PublicKeyParse, RefusesUnknownNameAlg) {
    Bytes file = vector_file("ak_rsassa.pub");
    file[4] = 0x00;
    file[5] = 0x10;  // nameAlg TPM_ALG_NULL
    EXPECT_THAT(parse_error(file), HasSubstr("nameAlg"));
}

TEST(PublicKeyParse, RefusesKeyedHashObjects) {
    TPM2B_PUBLIC pub{};
    pub.publicArea.type = TPM2_ALG_KEYEDHASH;
    pub.publicArea.nameAlg = TPM2_ALG_SHA256;
    pub.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_USERWITHAUTH;
    pub.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
    pub.publicArea.unique.keyedHash.size = 32;
    Bytes bytes(sizeof pub);
    std::size_t length = 0;
    ASSERT_EQ(Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, bytes.data(), bytes.size(), &length), TSS2_RC_SUCCESS);
    bytes.resize(length);
    EXPECT_THAT(parse_error(bytes), HasSubstr("is not RSA or ECC"));
}

TEST(PublicKeyParse, RefusesUnknownType) {
    Bytes file = vector_file("ak_rsassa.pub");
    file[2] = 0x77;
    EXPECT_THAT(parse_error(file), HasSubstr("TPM2B_PUBLIC"));
}

// --- PEM ---------------------------------------------------------------------

std::string pem_of_private_key() {
    EvpPkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
}

void expect_pem_refused(const std::string& text) {
    const Bytes bytes(text.begin(), text.end());
    EXPECT_THROW(read_pem_public_key(bytes), ParseError);
    EXPECT_EQ(ERR_peek_error(), 0u) << "the OpenSSL error queue is left dirty";
}

TEST(PemPublicKey, RefusesAnythingButSubjectPublicKeyInfo) {
    expect_pem_refused("");
    expect_pem_refused("not PEM at all");
    expect_pem_refused(pem_of_private_key());
    const Bytes root = vector_file("swtpm-localca-rootca-cert.pem");
    expect_pem_refused(std::string(root.begin(), root.end()));
    const Bytes pem = vector_file("ak_rsassa.pem");
    const std::string cut(pem.begin(), pem.end());
    expect_pem_refused(cut.substr(0, cut.size() / 2));
}

// --- attestation key problems -----------------------------------------------

std::string joined(const std::vector<std::string>& problems) {
    std::string all;
    for (const auto& problem : problems) all += problem + "\n";
    return all;
}

TEST(AttestationKey, UnrestrictedSignerIsRefused) {
    const auto problems = attestation_key_problems(vector_public("unrestricted_signer.pub"));
    EXPECT_THAT(
        joined(problems),
        HasSubstr(
            "the key is not restricted: an unrestricted TPM key can sign any bytes, including a forged TPMS_ATTEST"));
    EXPECT_THAT(joined(problems), HasSubstr("signing scheme is TPM_ALG_NULL"));
    EXPECT_EQ(problems.size(), 2u) << joined(problems);
}

// What keel verify asks of a key given as TPM2B_PUBLIC: restricted, sign, not decrypt.
TEST(RestrictedSigningKey, OnlyRestrictedSignOnlyKeysPass) {
    for (const char* stem : {"ak_rsassa", "ak_rsapss", "ak_ecdsa"})
        EXPECT_THAT(restricted_signing_key_problems(vector_public(std::string(stem) + ".pub")), ::testing::IsEmpty())
            << stem;
    const auto unrestricted = restricted_signing_key_problems(vector_public("unrestricted_signer.pub"));
    ASSERT_EQ(unrestricted.size(), 1u) << joined(unrestricted);
    EXPECT_THAT(unrestricted[0],
                HasSubstr("an unrestricted TPM key can sign any bytes, including a forged TPMS_ATTEST"));
    const auto ek = restricted_signing_key_problems(vector_public("ek_rsa.pub"));
    EXPECT_THAT(joined(ek), HasSubstr("cannot sign"));
    EXPECT_THAT(joined(ek), HasSubstr("can decrypt"));
    EXPECT_EQ(ek.size(), 2u) << joined(ek);
    // Residency and scheme are the AK rules' business, not this one's.
    TpmPublic ak = vector_public("ak_rsassa.pub");
    ak.attributes &= ~(1u << 1);  // fixedTPM
    ak.scheme_hash = 0x0004;
    EXPECT_THAT(restricted_signing_key_problems(ak), ::testing::IsEmpty());
}

TEST(AttestationKey, EkIsRefused) {
    const auto problems = attestation_key_problems(vector_public("ek_rsa.pub"));
    EXPECT_THAT(joined(problems), HasSubstr("cannot sign"));
    EXPECT_THAT(joined(problems), HasSubstr("can decrypt"));
    EXPECT_THAT(joined(problems), HasSubstr("TPM_ALG_NULL"));
    EXPECT_EQ(problems.size(), 3u) << joined(problems);
}

struct AttributeFlip {
    const char* what;
    int bit;  // TPMA_OBJECT bit number
    const char* problem;
};

class AttributeFlipTest : public ::testing::TestWithParam<AttributeFlip> {};

// The flip is made in the TPM2B_PUBLIC bytes, so parsing the attributes is
// tested too; TPMA_OBJECT is the u32 after size, type and nameAlg.
TEST_P(AttributeFlipTest, OneFlippedBitIsOneProblem) {
    for (const char* stem : {"ak_rsassa", "ak_ecdsa"}) {
        SCOPED_TRACE(stem);
        Bytes file = vector_file(std::string(stem) + ".pub");
        file[9 - GetParam().bit / 8] ^= static_cast<std::uint8_t>(1u << (GetParam().bit % 8));
        const auto problems = attestation_key_problems(parse_public(file));
        ASSERT_EQ(problems.size(), 1u) << joined(problems);
        EXPECT_THAT(problems[0], HasSubstr(GetParam().problem));
    }
}

INSTANTIATE_TEST_SUITE_P(Attributes, AttributeFlipTest,
                         ::testing::Values(AttributeFlip{"restricted", 16, "not restricted"},
                                           AttributeFlip{"sign", 18, "cannot sign"},
                                           AttributeFlip{"decrypt", 17, "can decrypt"},
                                           AttributeFlip{"fixedTPM", 1, "not fixedTPM"},
                                           AttributeFlip{"fixedParent", 4, "not fixedParent"},
                                           AttributeFlip{"sensitiveDataOrigin", 5, "not sensitiveDataOrigin"}),
                         [](const auto& info) { return std::string(info.param.what); });

TEST(AttestationKey, WeakHashIsAProblem) {
    TpmPublic ak = vector_public("ak_rsapss.pub");
    ak.scheme_hash = 0x0004;
    const auto problems = attestation_key_problems(ak);
    ASSERT_EQ(problems.size(), 1u) << joined(problems);
    EXPECT_THAT(problems[0], HasSubstr("SHA-1"));
    for (std::uint16_t strong : {0x000c, 0x000d}) {
        ak.scheme_hash = strong;
        EXPECT_THAT(attestation_key_problems(ak), ::testing::IsEmpty());
    }
}

TEST(AttestationKey, SchemeMustFitTheKeyType) {
    TpmPublic rsa = vector_public("ak_rsassa.pub");
    rsa.scheme = 0x0018;
    EXPECT_THAT(joined(attestation_key_problems(rsa)), HasSubstr("does not fit its RSA key"));
    TpmPublic ecc = vector_public("ak_ecdsa.pub");
    ecc.scheme = 0x001a;  // ECDAA
    EXPECT_THAT(joined(attestation_key_problems(ecc)), HasSubstr("not RSASSA, RSAPSS or ECDSA"));
}

TEST(AttestationKey, KeySizes) {
    TpmPublic rsa = vector_public("ak_rsassa.pub");
    rsa.rsa_bits = 1024;
    EXPECT_THAT(joined(attestation_key_problems(rsa)), HasSubstr("RSA-1024"));
    TpmPublic ecc = vector_public("ak_ecdsa.pub");
    ecc.curve = 0x0004;
    EXPECT_THAT(attestation_key_problems(ecc), ::testing::IsEmpty());
    ecc.curve = 0x0005;
    EXPECT_THAT(joined(attestation_key_problems(ecc)), HasSubstr("not NIST P-256 or P-384"));
}

}  // namespace
}  // namespace keel::evidence
