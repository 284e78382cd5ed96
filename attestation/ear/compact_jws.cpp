#include "attestation/ear/compact_jws.hpp"

#include "attestation/json/exact_json.hpp"

namespace keel::ear {
namespace {

Bytes decode(std::string_view text, const char* part) {
    auto bytes = from_base64url(text);
    if (!bytes) throw MalformedToken(std::string("token: the ") + part + " is not base64url (RFC 4648, unpadded)");
    return *bytes;
}

nlohmann::json object(std::string_view text, const char* part) {
    const auto bytes = decode(text, part);
    nlohmann::json value;
    try {
        value = keel::json::parse_exact(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const keel::json::RepeatedMember& e) {
        throw MalformedToken(std::string("token: the ") + part + ": " + e.what());
    }
    if (value.is_discarded()) throw MalformedToken(std::string("token: the ") + part + " is not JSON");
    if (!value.is_object()) throw MalformedToken(std::string("token: the ") + part + " is not a JSON object");
    return value;
}

}  // namespace

CompactJws parse_compact_jws(std::string_view token, std::size_t max_bytes) {
    if (token.size() > max_bytes)
        throw MalformedToken("token: " + std::to_string(token.size()) + " bytes, more than the " +
                             std::to_string(max_bytes) + " this kind of token may have");
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
        throw MalformedToken("token: not a compact JWS (three base64url parts separated by two dots)");
    CompactJws jws;
    jws.header = object(token.substr(0, first), "header");
    jws.payload = object(token.substr(first + 1, second - first - 1), "payload");
    jws.signing_input = std::string(token.substr(0, second));
    jws.signature = decode(token.substr(second + 1), "signature");
    return jws;
}

std::string signing_input(const nlohmann::json& header, const nlohmann::json& payload) {
    // Replace, not throw: a check's message quoting bytes that are not UTF-8
    // must not keep a result from being signed.
    const auto dump = [](const nlohmann::json& j) {
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    return to_base64url(dump(header)) + "." + to_base64url(dump(payload));
}

}  // namespace keel::ear
