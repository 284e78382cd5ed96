#include "attestation/refdoc/document_shape.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "attestation/ear/jws_header.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"

namespace keel::refdoc {
namespace {

using ear::TokenRefused;
using nlohmann::json;

[[noreturn]] void refuse(const std::string& why) { throw TokenRefused("reference document: " + why); }

// A member nobody reads is refused rather than ignored: a publisher who
// misspells one would otherwise sign a document that means less than it
// says, and a later version's member would be silently dropped by this one.
template <std::size_t N>
void only_members(const json& object, const std::array<std::string_view, N>& known, const char* part) {
    for (const auto& [key, value] : object.items())
        if (std::find(known.begin(), known.end(), key) == known.end())
            refuse(std::string("the ") + part + " has an unknown member " + ear::quoted_json(json(key)));
}

std::string label(const json& payload, const char* member) {
    if (!payload.contains(member)) refuse(std::string("\"") + member + "\" is missing");
    const auto& v = payload[member];
    if (!v.is_string() || !valid_label(v.get<std::string>()))
        refuse(std::string("\"") + member + "\" must be 1 to " + std::to_string(max_label_length) +
               " letters, digits, '.', '_', '-' or '+' (it is " + ear::quoted_json(v) + ")");
    return v.get<std::string>();
}

}  // namespace

bool valid_label(const std::string& label) {
    if (label.empty() || label.size() > max_label_length || label == "." || label == "..") return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-' || c == '+';
    });
}

void check_document_header(const json& header) {
    ear::require_es256(header);
    if (header.value("typ", json()) != document_type)
        refuse(std::string("the header's \"typ\" is ") + ear::quoted_json(header.value("typ", json())) + ", not \"" +
               document_type + "\" (another kind of token)");
    if (!header.contains("kid") || !header["kid"].is_string())
        refuse("the header names no key (\"kid\", the publisher key's RFC 7638 thumbprint)");
    only_members(header, std::array<std::string_view, 3>{"alg", "typ", "kid"}, "header");
}

DocumentClaims read_document_claims(const json& payload) {
    if (!payload.is_object()) refuse("the payload is not a JSON object");
    only_members(payload, std::array<std::string_view, 4>{"name", "version", "iat", "reference_values"}, "payload");
    DocumentClaims c;
    c.name = label(payload, "name");
    c.version = label(payload, "version");
    if (!payload.contains("iat") || !payload["iat"].is_number_unsigned())
        refuse("\"iat\" (when it was signed, seconds since the epoch) is missing or not a non-negative integer");
    const auto iat = payload["iat"].get<std::uint64_t>();
    if (iat > static_cast<std::uint64_t>(INT64_MAX)) refuse("\"iat\" is out of range");
    c.issued_at = static_cast<std::int64_t>(iat);
    if (!payload.contains("reference_values") || !payload["reference_values"].is_object())
        refuse("\"reference_values\" (keel measure's output) is missing or not an object");
    c.reference_json = payload["reference_values"].dump();
    try {
        eventlog::parse_reference_values(c.reference_json);
    } catch (const eventlog::Error& e) { refuse(std::string("reference_values: ") + e.what()); }
    return c;
}

}  // namespace keel::refdoc
