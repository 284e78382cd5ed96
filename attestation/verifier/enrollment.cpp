#include "attestation/verifier/enrollment.hpp"

#include <algorithm>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/ek_certificate.hpp"
#include "attestation/evidence/public_key.hpp"

namespace keel::verifier {
namespace {

constexpr std::size_t secret_bytes = 32;

Check ek_certificate_check(const evidence::IdentityDocument& id, const evidence::TpmPublic& ek,
                           const EnrollmentOptions& options) {
    if (!id.ek_certificate) {
        if (options.allow_no_ek_certificate)
            return {check::ek_certificate, Status::skipped,
                    "the TPM has no EK certificate; accepted as asked (--allow-no-ek-certificate)"};
        return {check::ek_certificate, Status::fail,
                "the TPM has no EK certificate, so nothing shows the EK belongs to a real TPM "
                "(--allow-no-ek-certificate accepts that)"};
    }
    if (options.ek_ca_files.empty())
        return {check::ek_certificate, Status::fail,
                "the TPM has an EK certificate, but no EK CA certificate was given to check it with (--ek-ca)"};
    auto result = evidence::check_ek_certificate(*id.ek_certificate, ek, options.ek_ca_files);
    if (!result.problem.empty()) return {check::ek_certificate, Status::fail, result.problem};
    return {check::ek_certificate, Status::pass,
            "the EK certificate (issuer " + result.issuer + ") chains to a trusted CA and certifies this EK"};
}

Check ak_attributes_check(const evidence::IdentityDocument& id, const evidence::TpmPublic& ak) {
    auto problems = evidence::attestation_key_problems(ak);
    if (ak.name != id.ak_name)
        problems.push_back("the AK's name " + eventlog::to_hex(id.ak_name) + " is not the name of its public area (" +
                           eventlog::to_hex(ak.name) + ")");
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
        return {check::ak_attributes, Status::fail, all};
    }
    return {check::ak_attributes, Status::pass,
            "the AK is a restricted signing key bound to its TPM (fixedTPM, fixedParent, sensitiveDataOrigin)"};
}

}  // namespace

bool Enrollment::ok() const {
    return !checks.empty() &&
           std::none_of(checks.begin(), checks.end(), [](auto& c) { return c.status == Status::fail; }) &&
           std::any_of(checks.begin(), checks.end(),
                       [](auto& c) { return c.id == check::ak_credential && c.status == Status::pass; });
}

Enrollment begin_enrollment(const evidence::IdentityDocument& id, const EnrollmentOptions& options) {
    auto ek = evidence::parse_public(id.ek_public);
    auto ak = evidence::parse_public(id.ak_public);
    Enrollment e;
    e.checks.push_back(ek_certificate_check(id, ek, options));
    e.checks.push_back(ak_attributes_check(id, ak));
    if (std::any_of(e.checks.begin(), e.checks.end(), [](auto& c) { return c.status == Status::fail; })) return e;
    e.secret.resize(secret_bytes);
    if (RAND_bytes(e.secret.data(), static_cast<int>(e.secret.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    try {
        e.challenge = evidence::make_credential(ek, e.secret, ak.name);
    } catch (const std::runtime_error& error) {
        // The host chose this EK: a key Keel cannot wrap a credential to is its failure, not bad input.
        e.checks.push_back({check::ek_public, Status::fail, error.what()});
    }
    return e;
}

void finish_enrollment(Enrollment& e, const Bytes& answered) {
    if (answered.size() != e.secret.size() || CRYPTO_memcmp(answered.data(), e.secret.data(), e.secret.size()) != 0) {
        e.checks.push_back({check::ak_credential, Status::fail,
                            "the agent could not recover the credential secret: its AK is not on the TPM of this EK"});
        return;
    }
    e.checks.push_back({check::ak_credential, Status::pass,
                        "TPM2_ActivateCredential recovered the secret: the AK is on the EK's TPM"});
}

void credential_not_activated(Enrollment& e, const std::string& why) {
    e.checks.push_back({check::ak_credential, Status::fail,
                        "the agent's TPM refused to activate the credential, so its AK is not shown to be on the "
                        "TPM of this EK (" +
                            why + ")"});
}

}  // namespace keel::verifier
