#include "attestation/evidence/identity_document.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "attestation/evidence/base64.hpp"
#include "attestation/json/exact_json.hpp"

namespace keel::evidence {
namespace {

using nlohmann::json;

constexpr std::size_t max_document_bytes = 64u << 10;  // keys and one certificate

json parse_object(std::string_view text, const std::string& what, const std::set<std::string>& members) {
    if (text.size() > max_document_bytes)
        throw ParseError(what + ": larger than " + std::to_string(max_document_bytes) + " bytes");
    json doc;
    try {
        doc = keel::json::parse_exact(text);
    } catch (const keel::json::RepeatedMember& e) { throw ParseError(what + ": " + e.what()); }
    if (doc.is_discarded() || !doc.is_object()) throw ParseError(what + ": not a JSON object");
    for (const auto& [key, value] : doc.items())
        if (!members.count(key)) throw ParseError(what + ": unknown member \"" + key + "\"");
    return doc;
}

Bytes bytes_member(const json& doc, const std::string& what, const std::string& key) {
    auto it = doc.find(key);
    if (it == doc.end()) throw ParseError(what + ": \"" + key + "\" is missing");
    if (!it->is_string()) throw ParseError(what + ": \"" + key + "\" is not a string");
    auto bytes = from_base64(it->get_ref<const std::string&>());
    if (!bytes) throw ParseError(what + ": \"" + key + "\" is not base64");
    return *bytes;
}

}  // namespace

std::string write_identity(const IdentityDocument& id) {
    json doc = {{"format", "keel-identity"},
                {"version", 1},
                {"ek_public", to_base64(id.ek_public)},
                {"ak_public", to_base64(id.ak_public)},
                {"ak_name", to_base64(id.ak_name)}};
    if (id.ek_certificate) doc["ek_certificate"] = to_base64(*id.ek_certificate);
    return doc.dump(2) + "\n";
}

IdentityDocument parse_identity(std::string_view text) {
    const std::string what = "identity";
    auto doc = parse_object(text, what, {"format", "version", "ek_public", "ek_certificate", "ak_public", "ak_name"});
    if (doc.value("format", json()) != "keel-identity")
        throw ParseError(what + ": \"format\" is not \"keel-identity\"");
    if (doc.value("version", json()) != 1) throw ParseError(what + ": \"version\" is missing or not 1");
    IdentityDocument id;
    id.ek_public = bytes_member(doc, what, "ek_public");
    if (doc.contains("ek_certificate")) id.ek_certificate = bytes_member(doc, what, "ek_certificate");
    id.ak_public = bytes_member(doc, what, "ak_public");
    id.ak_name = bytes_member(doc, what, "ak_name");
    return id;
}

std::string write_challenge(const Credential& c) {
    return json{{"credential_blob", to_base64(c.credential_blob)}, {"encrypted_secret", to_base64(c.encrypted_secret)}}
               .dump() +
           "\n";
}

Credential parse_challenge(std::string_view text) {
    const std::string what = "credential challenge";
    auto doc = parse_object(text, what, {"credential_blob", "encrypted_secret"});
    return {bytes_member(doc, what, "credential_blob"), bytes_member(doc, what, "encrypted_secret")};
}

std::string write_answer(const Bytes& secret) { return json{{"secret", to_base64(secret)}}.dump() + "\n"; }

Bytes parse_answer(std::string_view text) {
    const std::string what = "credential answer";
    auto doc = parse_object(text, what, {"secret"});
    return bytes_member(doc, what, "secret");
}

}  // namespace keel::evidence
