// Certificates made in the tests with OpenSSL: a CA of their own, and EK
// certificates with chosen validity and extensions, to show what
// check_ek_certificate refuses and what it tolerates.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <openssl/x509.h>

#include "attestation/evidence/bytes.hpp"
#include "attestation/evidence/public_key.hpp"

namespace keel::evidence::test {

struct X509Deleter {
    void operator()(X509* cert) const { X509_free(cert); }
};
using Cert = std::unique_ptr<X509, X509Deleter>;

struct Extension {
    std::string oid;  // dotted
    bool critical;
    Bytes der;  // the extnValue contents
};

struct CertSpec {
    std::string common_name;  // empty: an empty subject, as TCG EK certificates have
    long not_before_days = -1;  // relative to now
    long not_after_days = 365;
    bool ca = false;
    bool tcg_subject_alt_name = false;  // critical SAN with the TPM manufacturer/model/version
    std::vector<Extension> extensions;
};

class TestCa {
public:
    explicit TestCa(const std::string& name, const std::vector<Extension>& extensions = {});
    ~TestCa();  // removes the files write_pem() made
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;
    // A certificate for `subject_key` signed by this CA.
    Cert issue(const CertSpec& spec, EVP_PKEY* subject_key) const;
    // Writes the CA certificate as PEM to a new file and returns its path;
    // the file lives as long as this TestCa.
    std::string write_pem() const;
    X509* cert() const { return cert_.get(); }

private:
    EvpPkey key_;
    Cert cert_;
    mutable std::vector<std::string> written_;
};

Bytes to_der(X509* cert);

}  // namespace keel::evidence::test
