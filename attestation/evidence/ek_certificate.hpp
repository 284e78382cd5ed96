// EK certificates: a DER X.509 certificate the TPM maker (or swtpm's local
// CA) issued for the EK, checked against CA certificates the verifier trusts.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "attestation/evidence/public_key.hpp"

namespace keel::evidence {

struct EkCertificateCheck {
    std::string problem;  // empty when the certificate is good
    std::string subject;  // one line, for the report; may be empty (EK certs often have none)
    std::string issuer;
};

// Checks that `der` is one certificate that chains to a certificate in
// `ca_pem_files` (roots and intermediates, PEM, one or more per file), is
// within its validity period, and certifies exactly `ek`'s public key. EK
// certificates carry critical extensions web PKI does not know (the TCG
// SubjectAltName with an empty subject); those are accepted, nothing else
// is relaxed. Throws std::runtime_error when a CA file cannot be read.
EkCertificateCheck check_ek_certificate(std::span<const std::uint8_t> der, const TpmPublic& ek,
                                        const std::vector<std::string>& ca_pem_files);

}  // namespace keel::evidence
