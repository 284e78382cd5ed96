#include "attestation/verifierd/ear_signer.hpp"

#include <ctime>
#include <fstream>
#include <iomanip>
#include <openssl/evp.h>
#include <sstream>

#include "attestation/ear/ear_claims.hpp"
#include "attestation/ear/ear_token.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/verifierd/config.hpp"

namespace keel::verifierd {
namespace {

constexpr std::size_t max_key_file_bytes = 64u << 10;

// "2026-12-07T10:30:58Z" as seconds since the epoch; nullopt for anything
// else.
std::optional<std::int64_t> iso_seconds(const std::string& text) {
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    if (in.fail()) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

std::string appraisal_policy_id(const HostRecord& record) {
    // NUL cannot occur in either JSON document: the split is unambiguous.
    const auto both = record.policy_json + std::string(1, '\0') + record.reference_json;
    Bytes digest(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    EVP_Digest(both.data(), both.size(), digest.data(), &size, EVP_sha256(), nullptr);
    digest.resize(size);
    return "keel-policy:sha256:" + eventlog::to_hex(digest);
}

EarSigner::EarSigner(const std::string& key_file, std::string build) : build_(std::move(build)) {
    std::ifstream in(key_file, std::ios::binary);
    if (!in) throw ConfigError("ear.signing_key " + key_file + ": cannot be read");
    std::string pem(max_key_file_bytes + 1, '\0');
    in.read(pem.data(), static_cast<std::streamsize>(pem.size()));
    pem.resize(static_cast<std::size_t>(in.gcount()));
    try {
        key_ = ear::es256_private_key_from_pem(pem);
        jwk_ = ear::public_jwk(key_.get());
    } catch (const ear::KeyError& e) {
        throw ConfigError("ear.signing_key " + key_file + ": " + e.what() +
                          " (an EC P-256 private key in PEM: openssl genpkey -algorithm EC -pkeyopt "
                          "ec_paramgen_curve:P-256)");
    }
}

std::string EarSigner::sign(const FleetHost& host, const Appraisal& a) const {
    const auto enrolled = iso_seconds(host.record.enrolled_at);
    // The store keeps the enrolment time to the second: an appraisal in that
    // second may have used the record it replaced.
    if (!enrolled || a.at < (*enrolled + 1) * 1000)
        throw EarUnavailable("host \"" + host.record.host_id + "\" was enrolled (again) at " + host.record.enrolled_at +
                             ", after its latest appraisal was made; its next appraisal will be signed");
    // A host moved to another reference document since: its record's
    // values (which the policy id digests) are not the ones appraised.
    const auto current = host.record.reference_document ? host.record.reference_document->label() : std::string();
    if (a.reference != current)
        throw EarUnavailable("host \"" + host.record.host_id + "\" was appraised against " +
                             (a.reference.empty() ? std::string("its own reference values") : a.reference) +
                             " and now refers to " + (current.empty() ? std::string("its own values") : current) +
                             "; its next appraisal will be signed");
    ear::EarAppraisal e;
    e.host_id = a.host_id;
    e.verdict = a.verdict;
    e.nonce = a.nonce;
    e.issued_at = a.at / 1000;
    e.policy_id = appraisal_policy_id(host.record);
    e.appraisal_id = a.id;
    e.reference = a.reference;
    for (const auto& c : a.checks) e.checks.push_back({c.id, c.status, c.message});
    return ear::sign_ear(key_.get(), ear::ear_claims(e, build_));
}

}  // namespace keel::verifierd
