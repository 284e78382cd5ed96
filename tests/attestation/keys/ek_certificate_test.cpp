// check_ek_certificate on the certificates swtpm_localca issued (checked in
// with its CA), and on certificates the test makes to reach what swtpm's do
// not: expiry, foreign CAs, and the critical extensions EK certificates carry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <openssl/err.h>
#include <unistd.h>

#include "attestation/evidence/ek_certificate.hpp"
#include "key_vectors.hpp"
#include "test_ca.hpp"

namespace keel::evidence {
namespace {

using test::CertSpec;
using test::Extension;
using test::TestCa;
using test::to_der;
using test::vector_file;
using test::vector_path;
using test::vector_public;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> swtpm_ca() {
    return {vector_path("swtpm-localca-rootca-cert.pem"), vector_path("swtpm-localca-issuercert.pem")};
}

TEST(EkCertificate, SwtpmRsaCertificateChainsToItsLocalCa) {
    const EkCertificateCheck check =
        check_ek_certificate(vector_file("ek_rsa_cert.der"), vector_public("ek_rsa.pub"), swtpm_ca());
    EXPECT_THAT(check.problem, IsEmpty());
    EXPECT_EQ(check.subject, "CN = unknown");
    EXPECT_EQ(check.issuer, "CN = swtpm-localca");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(EkCertificate, SwtpmP384CertificateChainsToItsLocalCa) {
    const EkCertificateCheck check =
        check_ek_certificate(vector_file("ek_ecc384_cert.der"), vector_public("ek_ecc384.pub"), swtpm_ca());
    EXPECT_THAT(check.problem, IsEmpty());
}

TEST(EkCertificate, CaFilesMayHoldSeveralCertificates) {
    const std::string both = ::testing::TempDir() + "keel-keys-both-ca-" + std::to_string(getpid()) + ".pem";
    {
        std::ofstream out(both, std::ios::binary);
        for (const std::string& path : swtpm_ca()) {
            const Bytes pem = test::read_file(path);
            out.write(reinterpret_cast<const char*>(pem.data()), static_cast<std::streamsize>(pem.size()));
        }
    }
    EXPECT_THAT(check_ek_certificate(vector_file("ek_rsa_cert.der"), vector_public("ek_rsa.pub"), {both}).problem,
                IsEmpty());
    std::remove(both.c_str());
}

TEST(EkCertificate, RootAloneIsNotEnough) {
    const auto check = check_ek_certificate(vector_file("ek_rsa_cert.der"), vector_public("ek_rsa.pub"),
                                            {vector_path("swtpm-localca-rootca-cert.pem")});
    EXPECT_THAT(check.problem, HasSubstr("issuer certificate"));
}

TEST(EkCertificate, IntermediateAloneIsNotATrustAnchor) {
    const auto check = check_ek_certificate(vector_file("ek_rsa_cert.der"), vector_public("ek_rsa.pub"),
                                            {vector_path("swtpm-localca-issuercert.pem")});
    EXPECT_THAT(check.problem, ::testing::Not(IsEmpty()));
}

TEST(EkCertificate, ForeignCaIsRefused) {
    const TestCa other("some other CA");
    const auto check =
        check_ek_certificate(vector_file("ek_rsa_cert.der"), vector_public("ek_rsa.pub"), {other.write_pem()});
    EXPECT_THAT(check.problem, HasSubstr("does not verify"));
    EXPECT_EQ(check.issuer, "CN = swtpm-localca");
}

TEST(EkCertificate, CertificateForAnotherKeyIsRefused) {
    for (const char* key : {"ek_ecc384.pub", "ek_ecc.pub", "ak_rsassa.pub"}) {
        SCOPED_TRACE(key);
        const auto check = check_ek_certificate(vector_file("ek_rsa_cert.der"), vector_public(key), swtpm_ca());
        EXPECT_THAT(check.problem, HasSubstr("different public key"));
    }
}

TEST(EkCertificate, GarbageIsRefused) {
    const TpmPublic ek = vector_public("ek_rsa.pub");
    EXPECT_THAT(check_ek_certificate(Bytes{}, ek, swtpm_ca()).problem, HasSubstr("empty"));
    EXPECT_THAT(check_ek_certificate(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}, ek, swtpm_ca()).problem,
                HasSubstr("not a DER X.509"));
    EXPECT_THAT(check_ek_certificate(vector_file("ek_rsa.pub"), ek, swtpm_ca()).problem, HasSubstr("not a DER X.509"));
    Bytes padded = vector_file("ek_rsa_cert.der");
    padded.push_back(0xff);
    EXPECT_THAT(check_ek_certificate(padded, ek, swtpm_ca()).problem, HasSubstr("1 bytes after"));
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(EkCertificate, TamperedSignatureIsRefused) {
    Bytes der = vector_file("ek_rsa_cert.der");
    der.back() ^= 0x01;  // the signature is the last field
    EXPECT_THAT(check_ek_certificate(der, vector_public("ek_rsa.pub"), swtpm_ca()).problem,
                HasSubstr("signature failure"));
}

TEST(EkCertificate, UnreadableCaFileThrows) {
    const TpmPublic ek = vector_public("ek_rsa.pub");
    EXPECT_THROW(check_ek_certificate(vector_file("ek_rsa_cert.der"), ek, {"/nonexistent/ca.pem"}), std::runtime_error);
    EXPECT_THROW(check_ek_certificate(vector_file("ek_rsa_cert.der"), ek, {vector_path("ak_rsassa.pem")}),
                 std::runtime_error);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

// --- certificates from a test CA ------------------------------------------

class TestCaCertificate : public ::testing::Test {
protected:
    TestCa ca{"Keel test EK CA"};
    std::vector<std::string> ca_files{ca.write_pem()};
    TpmPublic ek = vector_public("ek_rsa.pub");
    EvpPkey ek_key = to_evp_pkey(ek);

    std::string problem(const CertSpec& spec) {
        return check_ek_certificate(to_der(ca.issue(spec, ek_key.get()).get()), ek, ca_files).problem;
    }
};

TEST_F(TestCaCertificate, ValidCertificateIsAccepted) {
    CertSpec spec;
    spec.common_name = "ek";
    EXPECT_THAT(problem(spec), IsEmpty());
}

TEST_F(TestCaCertificate, ExpiredCertificateIsRefused) {
    CertSpec spec;
    spec.not_before_days = -30;
    spec.not_after_days = -1;
    EXPECT_THAT(problem(spec), HasSubstr("certificate has expired"));
}

TEST_F(TestCaCertificate, NotYetValidCertificateIsRefused) {
    CertSpec spec;
    spec.not_before_days = 2;
    spec.not_after_days = 30;
    EXPECT_THAT(problem(spec), HasSubstr("not yet valid"));
}

TEST_F(TestCaCertificate, EmptySubjectWithCriticalTcgSubjectAltName) {
    CertSpec spec;
    spec.tcg_subject_alt_name = true;
    const auto check = check_ek_certificate(to_der(ca.issue(spec, ek_key.get()).get()), ek, ca_files);
    EXPECT_THAT(check.problem, IsEmpty());
    EXPECT_EQ(check.subject, "");
}

// subjectDirectoryAttributes as swtpm_localca writes it (TPM spec family
// "2.0", level 0, revision 164), made critical: OpenSSL does not implement it.
const Bytes tpm_specification = {0x30, 0x19, 0x30, 0x17, 0x06, 0x05, 0x67, 0x81, 0x05, 0x02, 0x10, 0x31, 0x0e, 0x30,
                                 0x0c, 0x0c, 0x03, 0x32, 0x2e, 0x30, 0x02, 0x01, 0x00, 0x02, 0x02, 0x00, 0xa4};
const Bytes der_null = {0x05, 0x00};

TEST_F(TestCaCertificate, CriticalTcgExtensionsAreTolerated) {
    CertSpec spec;
    spec.tcg_subject_alt_name = true;
    spec.extensions = {{"2.5.29.9", true, tpm_specification}, {"2.23.133.99.1", true, der_null}};
    EXPECT_THAT(problem(spec), IsEmpty());
}

TEST_F(TestCaCertificate, OtherUnknownCriticalExtensionIsRefused) {
    CertSpec spec;
    spec.tcg_subject_alt_name = true;
    spec.extensions = {{"2.5.29.9", true, tpm_specification}, {"1.3.6.1.4.1.55555.1", true, der_null}};
    EXPECT_THAT(problem(spec), HasSubstr("unhandled critical extension"));
    spec.extensions[1].critical = false;
    EXPECT_THAT(problem(spec), IsEmpty());
}

TEST(EkCertificateChain, CaCertificatesGetNoRelaxation) {
    const TestCa ca("CA with a TCG critical extension", {{"2.23.133.99.1", true, der_null}});
    const std::string ca_file = ca.write_pem();
    const TpmPublic ek = vector_public("ek_rsa.pub");
    const EvpPkey ek_key = to_evp_pkey(ek);
    const auto check = check_ek_certificate(to_der(ca.issue(CertSpec{}, ek_key.get()).get()), ek, {ca_file});
    EXPECT_THAT(check.problem, HasSubstr("unhandled critical extension"));
}

}  // namespace
}  // namespace keel::evidence
