// identity(): the EK as the EK Credential Profile describes it, its
// certificate from NV, and an AK whose name the TPM computes as we do.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include <memory>

#include "attestation/tpm/attester.hpp"
#include "swtpm_fixture.hpp"
#include "test_support.hpp"

namespace keel::test {
namespace {

using tpm::AkScheme;
using tpm::Attester;
using tpm::EkType;

// fixedTPM|fixedParent|sensitiveDataOrigin|adminWithPolicy|restricted|decrypt
constexpr TPMA_OBJECT ek_attributes = 0x000300b2;
// fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|sign
constexpr TPMA_OBJECT ak_attributes = 0x00050072;
const std::string ek_policy = "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa";

TPMT_PUBLIC parse_public(const Bytes& bytes) {
    TPM2B_PUBLIC key{};
    std::size_t offset = 0;
    EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &key), TSS2_RC_SUCCESS);
    EXPECT_EQ(offset, bytes.size());
    return key.publicArea;
}

// nameAlg (SHA-256) || SHA-256 of the marshalled TPMT_PUBLIC, the way a
// verifier computes it from the AK's public area.
Bytes expected_name(const Bytes& tpm2b_public) {
    const Bytes public_area(tpm2b_public.begin() + 2, tpm2b_public.end());
    return concat(Bytes{0x00, 0x0b}, digest("SHA256", public_area));
}

std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pem_key(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())), BIO_free);
    return {PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free};
}

TEST(Identity, RsaEkCertifiedAndAkNamed) {
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::rsa2048, AkScheme::rsassa));
    const tpm::Identity id = attester.identity();

    const TPMT_PUBLIC ek = parse_public(id.ek_public);
    EXPECT_EQ(ek.type, TPM2_ALG_RSA);
    EXPECT_EQ(ek.nameAlg, TPM2_ALG_SHA256);
    EXPECT_EQ(ek.objectAttributes, ek_attributes);
    EXPECT_EQ(hex({ek.authPolicy.buffer, ek.authPolicy.size}), ek_policy);
    EXPECT_EQ(ek.parameters.rsaDetail.keyBits, 2048);
    EXPECT_EQ(ek.parameters.rsaDetail.symmetric.algorithm, TPM2_ALG_AES);
    EXPECT_EQ(ek.unique.rsa.size, 256);

    // swtpm_setup certified the EK it made from template L-1; the transient
    // EK made here from our template must be that same key.
    ASSERT_TRUE(id.ek_certificate.has_value());
    const std::uint8_t* der = id.ek_certificate->data();
    std::unique_ptr<X509, decltype(&X509_free)> certificate(d2i_X509(nullptr, &der, long(id.ek_certificate->size())),
                                                            X509_free);
    ASSERT_TRUE(certificate) << "EK certificate is not DER X.509";
    EXPECT_EQ(der, id.ek_certificate->data() + id.ek_certificate->size()) << "bytes after the certificate";
    auto ek_key = pem_key(public_key_pem(id.ek_public));
    ASSERT_TRUE(ek_key);
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(certificate.get()), ek_key.get()), 1);

    const TPMT_PUBLIC ak = parse_public(id.ak_public);
    EXPECT_EQ(ak.type, TPM2_ALG_RSA);
    EXPECT_EQ(ak.objectAttributes, ak_attributes);
    EXPECT_EQ(ak.parameters.rsaDetail.scheme.scheme, TPM2_ALG_RSASSA);
    EXPECT_EQ(ak.parameters.rsaDetail.scheme.details.rsassa.hashAlg, TPM2_ALG_SHA256);
    EXPECT_EQ(hex(id.ak_name), hex(expected_name(id.ak_public)));
}

TEST(Identity, EccEkAndEcdsaAk) {
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    const tpm::Identity id = attester.identity();

    const TPMT_PUBLIC ek = parse_public(id.ek_public);
    EXPECT_EQ(ek.type, TPM2_ALG_ECC);
    EXPECT_EQ(ek.objectAttributes, ek_attributes);
    EXPECT_EQ(hex({ek.authPolicy.buffer, ek.authPolicy.size}), ek_policy);
    EXPECT_EQ(ek.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
    EXPECT_EQ(ek.unique.ecc.x.size, 32);
    // swtpm 0.7.1 certifies a P-384 EK (NV 0x01c00016), never a P-256 one:
    // NV 0x01c0000a is not defined, so there is no certificate to return.
    EXPECT_FALSE(id.ek_certificate.has_value());

    const TPMT_PUBLIC ak = parse_public(id.ak_public);
    EXPECT_EQ(ak.type, TPM2_ALG_ECC);
    EXPECT_EQ(ak.objectAttributes, ak_attributes);
    EXPECT_EQ(ak.parameters.eccDetail.scheme.scheme, TPM2_ALG_ECDSA);
    EXPECT_EQ(ak.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
    EXPECT_EQ(hex(id.ak_name), hex(expected_name(id.ak_public)));
}

TEST(Identity, RsapssAkUnderRsaEk) {
    Swtpm swtpm;
    Attester attester(attester_options(swtpm, EkType::rsa2048, AkScheme::rsapss));
    const tpm::Identity id = attester.identity();
    const TPMT_PUBLIC ak = parse_public(id.ak_public);
    EXPECT_EQ(ak.parameters.rsaDetail.scheme.scheme, TPM2_ALG_RSAPSS);
    EXPECT_EQ(ak.parameters.rsaDetail.scheme.details.rsapss.hashAlg, TPM2_ALG_SHA256);
    EXPECT_EQ(hex(id.ak_name), hex(expected_name(id.ak_public)));
}

// A certificate longer than one TPM2_NV_Read may return (1024 bytes on
// swtpm) at the ECC EK's index.
TEST(Identity, EccEkCertificateReadInPieces) {
    Swtpm swtpm;
    std::string names = "subjectAltName=DNS:keel-test-0.example";
    for (int i = 1; i < 60; ++i) names += ",DNS:keel-test-" + std::to_string(i) + ".example";
    const auto cert = swtpm.dir() / "ek-cert.der";
    ToolRun made = run_tool({"openssl",
                             "req",
                             "-x509",
                             "-newkey",
                             "ec",
                             "-pkeyopt",
                             "ec_paramgen_curve:P-256",
                             "-nodes",
                             "-keyout",
                             (swtpm.dir() / "key.pem").string(),
                             "-subj",
                             "/CN=keel test EK",
                             "-days",
                             "1",
                             "-addext",
                             names,
                             "-outform",
                             "DER",
                             "-out",
                             cert.string()},
                            swtpm.dir());
    ASSERT_EQ(made.status, 0) << made.output;
    const Bytes der = read_file(cert);
    ASSERT_GT(der.size(), 1024u);
    const std::string tcti = "--tcti=" + swtpm.tcti();
    ToolRun defined = run_tool({"tpm2_nvdefine", tcti, "0x01c0000a", "-C", "o", "-s", std::to_string(der.size()), "-a",
                                "ownerwrite|ownerread|authread|no_da"},
                               swtpm.dir());
    ASSERT_EQ(defined.status, 0) << defined.output;
    ToolRun written = run_tool({"tpm2_nvwrite", tcti, "0x01c0000a", "-C", "o", "-i", cert.string()}, swtpm.dir());
    ASSERT_EQ(written.status, 0) << written.output;

    Attester attester(attester_options(swtpm, EkType::ecc_p256, AkScheme::ecdsa));
    const auto read = attester.identity().ek_certificate;
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(hex(*read), hex(der));
}

}  // namespace
}  // namespace keel::test
