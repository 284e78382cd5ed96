#include "attestation/refdoc/reference_document.hpp"

#include <openssl/sha.h>

#include "attestation/ear/compact_jws.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/ear/jws_header.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/json/exact_json.hpp"

namespace keel::refdoc {
namespace {

using nlohmann::json;

ear::CompactJws parse_document(std::string_view token) {
    auto jws = ear::parse_compact_jws(token, max_document_bytes);
    check_document_header(jws.header);
    return jws;
}

}  // namespace

std::string sha256_label(std::string_view bytes) {
    ear::Bytes digest(SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
    return "sha256:" + eventlog::to_hex(digest);
}

std::string sign_reference_document(EVP_PKEY* key, const std::string& name, const std::string& version,
                                    std::string_view reference_json, std::int64_t issued_at) {
    json values;
    try {
        values = keel::json::parse_exact(reference_json, true);
    } catch (const json::parse_error& e) {
        throw ear::TokenRefused(std::string("reference values: not valid JSON: ") + e.what());
    } catch (const keel::json::RepeatedMember& e) {
        throw ear::TokenRefused(std::string("reference values: ") + e.what());
    }
    const json header = {{"alg", ear::es256_name}, {"typ", document_type}, {"kid", ear::jwk_thumbprint(key)}};
    if (issued_at < 0) throw ear::TokenRefused("reference document: a signing time before 1970");
    // Unsigned, as the payload reads back (document_shape.cpp).
    const json payload = {{"name", name},
                          {"version", version},
                          {"iat", static_cast<std::uint64_t>(issued_at)},
                          {"reference_values", values}};
    // The verifier's own rules, before anything is signed.
    check_document_header(header);
    read_document_claims(payload);
    const auto input = ear::signing_input(header, payload);
    return input + "." + ear::to_base64url(ear::es256_sign(key, input));
}

std::string document_key_id(std::string_view token) { return parse_document(token).header["kid"].get<std::string>(); }

ReferenceDocument verify_reference_document(std::string_view token, EVP_PKEY* key) {
    ear::require_p256(key);
    const auto jws = parse_document(token);
    const auto kid = jws.header["kid"].get<std::string>();
    const auto thumbprint = ear::jwk_thumbprint(key);
    if (kid != thumbprint)
        throw ear::TokenRefused("reference document: signed by key " + ear::quoted_json(json(kid)) +
                                " (its \"kid\"), not by the key given (" + thumbprint + ")");
    if (!ear::es256_verify(key, jws.signing_input, jws.signature))
        throw ear::TokenRefused("reference document: the signature does not verify with the publisher's key (the "
                                "document was changed after it was signed)");
    auto claims = read_document_claims(jws.payload);
    ReferenceDocument d;
    d.name = std::move(claims.name);
    d.version = std::move(claims.version);
    d.issued_at = claims.issued_at;
    d.reference_json = std::move(claims.reference_json);
    d.publisher = kid;
    d.digest = sha256_label(token);
    d.token = std::string(token);
    return d;
}

}  // namespace keel::refdoc
