// EK certificates checked with OpenSSL's own chain verification
// (X509_STORE_CTX). The one relaxation: EK certificates may carry critical
// extensions OpenSSL does not implement, and those are tolerated on the EK
// certificate alone and only when they are ones the TCG EK Credential
// Profile defines. No purpose is checked: EK certificates carry keyUsage
// keyEncipherment/keyAgreement and the TCG EK extendedKeyUsage, never the
// web PKI's digitalSignature/serverAuth.
#include "attestation/evidence/ek_certificate.hpp"

#include <climits>
#include <cstring>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attestation/evidence/key_crypto.hpp"

namespace keel::evidence {

using namespace keys;

namespace {

using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using Store = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;

// subjectDirectoryAttributes (the TPM specification it implements) and
// subjectAltName (TPM manufacturer/model/version; critical when the subject
// is empty, RFC 5280 4.2.1.6) are the profile's; anything under the TCG's
// arc 2.23.133 is the TCG's own.
bool tolerated_critical(const ASN1_OBJECT* oid) {
    const int nid = OBJ_obj2nid(oid);
    if (nid == NID_subject_directory_attributes || nid == NID_subject_alt_name) return true;
    char text[128];
    const int length = OBJ_obj2txt(text, sizeof text, oid, 1);
    return length > 0 && static_cast<std::size_t>(length) < sizeof text && std::strncmp(text, "2.23.133.", 9) == 0;
}

bool only_tolerated_unhandled(X509* cert) {
    for (int i = 0; i < X509_get_ext_count(cert); ++i) {
        X509_EXTENSION* ext = X509_get_ext(cert, i);
        if (X509_EXTENSION_get_critical(ext) && !X509_supported_extension(ext) &&
            !tolerated_critical(X509_EXTENSION_get_object(ext)))
            return false;
    }
    return true;
}

int verify_callback(int ok, X509_STORE_CTX* ctx) {
    if (ok) return ok;
    if (X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION &&
        X509_STORE_CTX_get_error_depth(ctx) == 0 && only_tolerated_unhandled(X509_STORE_CTX_get_current_cert(ctx)))
        return 1;
    return ok;
}

void load_ca_file(X509_STORE* store, const std::string& path) {
    Bio bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) {
        ERR_clear_error();
        throw std::runtime_error("EK CA certificates: cannot read " + path);
    }
    int loaded = 0;
    while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        if (!X509_STORE_add_cert(store, cert.get()))
            throw std::runtime_error("EK CA certificates: " + path + ": " + take_openssl_error());
        ++loaded;
    }
    // The loop ends on "no more PEM blocks", which is the expected end of file.
    ERR_clear_error();
    if (loaded == 0) throw std::runtime_error("EK CA certificates: no PEM certificate in " + path);
}

std::string one_line(const X509_NAME* name) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

}  // namespace

EkCertificateCheck check_ek_certificate(std::span<const std::uint8_t> der, const TpmPublic& ek,
                                        const std::vector<std::string>& ca_pem_files) {
    Store store(X509_STORE_new());
    if (!store) throw std::runtime_error("EK CA certificates: out of memory");
    for (const std::string& path : ca_pem_files) load_ca_file(store.get(), path);
    X509_STORE_set_verify_cb(store.get(), verify_callback);

    EkCertificateCheck check;
    if (der.empty() || der.size() > INT_MAX) {
        check.problem = "the EK certificate is empty or too large";
        return check;
    }
    const std::uint8_t* next = der.data();
    X509Ptr cert(d2i_X509(nullptr, &next, static_cast<long>(der.size())));
    if (!cert) {
        check.problem = "the EK certificate is not a DER X.509 certificate: " + take_openssl_error();
        return check;
    }
    if (next != der.data() + der.size()) {
        check.problem = "the EK certificate has " + std::to_string(der.data() + der.size() - next) +
                        " bytes after its DER encoding";
        return check;
    }
    check.subject = one_line(X509_get_subject_name(cert.get()));
    check.issuer = one_line(X509_get_issuer_name(cert.get()));

    StoreCtx ctx(X509_STORE_CTX_new());
    if (!ctx || !X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr))
        throw std::runtime_error("EK certificate check: out of memory");
    if (X509_verify_cert(ctx.get()) != 1) {
        const int error = X509_STORE_CTX_get_error(ctx.get());
        check.problem = std::string("the EK certificate does not verify against the trusted CAs: ") +
                        X509_verify_cert_error_string(error) + " (at chain depth " +
                        std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")";
        ERR_clear_error();
        return check;
    }

    EvpPkey ek_key;
    try {
        ek_key = to_evp_pkey(ek);
    } catch (const std::runtime_error& error) {
        check.problem = std::string("the EK cannot be compared with the certificate: ") + error.what();
        return check;
    }
    if (EVP_PKEY_eq(X509_get0_pubkey(cert.get()), ek_key.get()) != 1) {
        ERR_clear_error();
        check.problem = "the EK certificate certifies a different public key than the EK's";
    }
    return check;
}

}  // namespace keel::evidence
