#include "tools/keel/verify_inputs.hpp"

#include <iostream>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

template <typename Parse> auto parse_file_text(const std::string& path, std::size_t max, Parse parse) {
    const auto text = read_text_file(path, max);
    try {
        return parse(text);
    } catch (const std::exception& e) { throw InputError(path + ": " + e.what()); }
}

}  // namespace

evidence::Bytes parse_hex_option(const std::string& name, std::string text) {
    if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) text = text.substr(2);
    auto bytes = eventlog::from_hex(text);
    if (!bytes) throw InputError(name + " " + text + ": not hex");
    return *bytes;
}

evidence::Bytes parse_nonce(const std::string& text) {
    auto nonce = parse_hex_option("--nonce", text);
    if (nonce.empty()) throw InputError("--nonce is empty: a quote without a nonce can be replayed");
    return nonce;
}

LoadedKey load_key(const std::string& path) {
    const auto bytes = read_binary_file(path, max_tpm_file_bytes);
    try {
        if (std::string(bytes.begin(), bytes.end()).find("-----BEGIN") != std::string::npos)
            return {evidence::read_pem_public_key(bytes), std::nullopt};
        auto area = evidence::parse_public(bytes);
        auto key = evidence::to_evp_pkey(area);
        return {std::move(key), std::move(area)};
    } catch (const std::exception& e) { throw InputError(path + ": not a PEM or TPM2B_PUBLIC key: " + e.what()); }
}

std::optional<eventlog::ReferenceValues> load_reference(const std::string& path) {
    if (path.empty()) return std::nullopt;
    return parse_file_text(path, max_json_bytes, eventlog::parse_reference_values);
}

std::optional<verifier::Policy> load_policy(const std::string& path) {
    if (path.empty()) return std::nullopt;
    return parse_file_text(path, verifier::max_policy_bytes, verifier::parse_policy);
}

verifier::Evidence parse_evidence_text(const std::string& what, const std::string& text) {
    try {
        return verifier::parse_evidence(evidence::parse_evidence(text));
    } catch (const evidence::ParseError& e) {
        throw InputError(what + ": " + e.what());
    } catch (const eventlog::Error& e) { throw InputError(what + ": event log: " + e.what()); }
}

int report(const VerifyOptions& o, const verifier::AttestationResult& r) {
    std::cout << (o.json ? verifier::result_json(r) : verifier::result_text(r));
    return r.trusted() ? exit_ok : exit_mismatch;
}

}  // namespace keel::cli
