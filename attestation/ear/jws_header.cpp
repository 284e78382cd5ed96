#include "attestation/ear/jws_header.hpp"

namespace keel::ear {

std::string quoted_json(const nlohmann::json& value) {
    return value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

void require_es256(const nlohmann::json& header) {
    if (!header.contains("alg") || !header["alg"].is_string())
        throw TokenRefused("the token's header names no algorithm (\"alg\"); only ES256 is accepted");
    const auto alg = header["alg"].get<std::string>();
    if (alg != es256_name)
        throw TokenRefused("the token's algorithm is " + quoted_json(nlohmann::json(alg)) +
                           "; only ES256 is accepted (\"none\" is unsigned, and an HMAC keyed with the public "
                           "key could be made by anyone who has it)");
    if (header.contains("crit"))
        throw TokenRefused("the token's header has \"crit\": it requires extensions Keel does not understand");
}

}  // namespace keel::ear
