#include "attestation/ear/ear_token.hpp"

#include "attestation/ear/ear_claims.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/ear/jws_header.hpp"

namespace keel::ear {
namespace {

void check_algorithm(const nlohmann::json& header) {
    require_es256(header);
    if (header.contains("typ") && header["typ"] != "JWT")
        throw TokenRefused("the token's type (\"typ\") is " + quoted_json(header["typ"]) + ", not \"JWT\"");
}

void check_time(const nlohmann::json& claims, std::int64_t now) {
    for (const char* name : {"exp", "nbf"}) {
        if (!claims.contains(name)) continue;
        if (!claims[name].is_number()) throw TokenRefused(std::string("the token's \"") + name + "\" is not a number");
        const double at = claims[name].get<double>();
        if (std::string(name) == "exp" && static_cast<double>(now) >= at)
            throw TokenRefused("the token expired (exp " + quoted_json(claims[name]) + ", now " + std::to_string(now) +
                               ")");
        if (std::string(name) == "nbf" && static_cast<double>(now) < at)
            throw TokenRefused("the token is not valid yet (nbf " + quoted_json(claims[name]) + ", now " +
                               std::to_string(now) + ")");
    }
}

void check_ear_shape(const nlohmann::json& claims) {
    if (claims.value("eat_profile", nlohmann::json()) != ear_profile)
        throw TokenRefused(std::string("not an EAR: \"eat_profile\" is not \"") + ear_profile + "\"");
    if (!claims.contains("iat") || !claims["iat"].is_number())
        throw TokenRefused("not an EAR: \"iat\" is missing or not a number");
    if (!claims.contains("submods") || !claims["submods"].is_object() || claims["submods"].empty())
        throw TokenRefused("not an EAR: \"submods\" is missing or empty");
    for (const auto& [name, submod] : claims["submods"].items()) {
        const auto status = submod.is_object() ? submod.value("ear.status", nlohmann::json()) : nlohmann::json();
        if (status != "none" && status != "affirming" && status != "warning" && status != "contraindicated")
            throw TokenRefused("not an EAR: submod " + quoted_json(nlohmann::json(name)) +
                               " has no valid \"ear.status\"");
    }
}

}  // namespace

std::string sign_ear(EVP_PKEY* key, const nlohmann::json& claims) {
    const nlohmann::json header = {{"alg", es256_name}, {"typ", "JWT"}, {"kid", jwk_thumbprint(key)}};
    const auto input = signing_input(header, claims);
    return input + "." + to_base64url(es256_sign(key, input));
}

VerifiedEar verify_ear(std::string_view token, EVP_PKEY* key, std::int64_t now) {
    require_p256(key);
    auto jws = parse_compact_jws(token);
    check_algorithm(jws.header);
    if (!es256_verify(key, jws.signing_input, jws.signature))
        throw TokenRefused("the signature does not verify with the key given (signed by another key, or the token "
                           "was changed)");
    check_time(jws.payload, now);
    check_ear_shape(jws.payload);
    return {std::move(jws.header), std::move(jws.payload)};
}

}  // namespace keel::ear
