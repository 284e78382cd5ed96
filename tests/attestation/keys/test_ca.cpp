#include "test_ca.hpp"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

namespace keel::evidence::test {
namespace {

void check(int ok, const char* what) {
    if (ok <= 0) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_extension(X509* cert, const Extension& extension) {
    ASN1_OBJECT* oid = OBJ_txt2obj(extension.oid.c_str(), 1);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, extension.der.data(), static_cast<int>(extension.der.size()));
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, extension.critical ? 1 : 0, value);
    check(ext != nullptr && X509_add_ext(cert, ext, -1), "extension");
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(oid);
}

void add_conf_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr && X509_add_ext(cert, ext, -1), value);
    X509_EXTENSION_free(ext);
}

// TCG EK Credential Profile 3.2.9: directoryName with tcg-at-tpmManufacturer,
// tcg-at-tpmModel and tcg-at-tpmVersion.
void add_tcg_subject_alt_name(X509* cert) {
    X509_NAME* name = X509_NAME_new();
    const std::pair<const char*, const char*> attributes[] = {
        {"2.23.133.2.1", "id:4E544300"}, {"2.23.133.2.2", "NPCT75x"}, {"2.23.133.2.3", "id:00070002"}};
    for (const auto& [oid, value] : attributes) {
        ASN1_OBJECT* object = OBJ_txt2obj(oid, 1);
        check(X509_NAME_add_entry_by_OBJ(name, object, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value), -1,
                                         -1, 0),
              "SAN attribute");
        ASN1_OBJECT_free(object);
    }
    GENERAL_NAME* general = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(general, GEN_DIRNAME, name);
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    sk_GENERAL_NAME_push(names, general);
    check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 1, X509V3_ADD_DEFAULT), "SAN");
    GENERAL_NAMES_free(names);
}

Cert make_cert(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
    static std::atomic<long> serial{1};
    Cert cert(X509_new());
    check(X509_set_version(cert.get(), 2), "version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++), "serial");
    X509_NAME* subject = X509_get_subject_name(cert.get());
    if (!spec.common_name.empty())
        check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                         reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0),
              "subject");
    check(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject), "issuer");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before_days * 86400) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after_days * 86400) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), subject_key), "public key");
    X509* signer = issuer ? issuer : cert.get();
    if (spec.ca) {
        add_conf_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_conf_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_conf_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    } else {
        add_conf_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_conf_extension(cert.get(), signer, NID_key_usage, "critical,keyEncipherment");
    }
    if (spec.tcg_subject_alt_name) add_tcg_subject_alt_name(cert.get());
    for (const Extension& extension : spec.extensions) add_extension(cert.get(), extension);
    check(X509_sign(cert.get(), issuer_key, EVP_sha256()), "signature");
    return cert;
}

}  // namespace

TestCa::TestCa(const std::string& name, const std::vector<Extension>& extensions)
    : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")) {
    CertSpec spec;
    spec.common_name = name;
    spec.ca = true;
    spec.extensions = extensions;
    cert_ = make_cert(spec, key_.get(), nullptr, key_.get());
}

TestCa::~TestCa() {
    for (const std::string& path : written_) std::remove(path.c_str());
}

Cert TestCa::issue(const CertSpec& spec, EVP_PKEY* subject_key) const {
    return make_cert(spec, subject_key, cert_.get(), key_.get());
}

std::string TestCa::write_pem() const {
    static std::atomic<int> count{0};
    const std::string path =
        ::testing::TempDir() + "keel-keys-ca-" + std::to_string(getpid()) + "-" + std::to_string(count++) + ".pem";
    BIO* bio = BIO_new_file(path.c_str(), "w");
    check(bio != nullptr && PEM_write_bio_X509(bio, cert_.get()), "writing the CA");
    BIO_free(bio);
    written_.push_back(path);
    return path;
}

Bytes to_der(X509* cert) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(cert, &der);
    check(length, "DER");
    Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

}  // namespace keel::evidence::test
