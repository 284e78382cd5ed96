#include "attestation/ear/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "attestation/json/exact_json.hpp"

namespace keel::ear {
namespace {

constexpr std::size_t coordinate_bytes = 32;

// The uncompressed point 04 || x || y.
Bytes public_point(EVP_PKEY* key) {
    require_p256(key);
    Bytes point(1 + 2 * coordinate_bytes);
    std::size_t size = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), point.size(), &size) !=
            1 ||
        size != point.size() || point[0] != 0x04)
        throw KeyError("the key's public point could not be read");
    return point;
}

std::string coordinate(const Bytes& point, std::size_t index) {
    return to_base64url(std::span(point).subspan(1 + index * coordinate_bytes, coordinate_bytes));
}

Bytes member_coordinate(const nlohmann::json& jwk, const char* name) {
    if (!jwk.contains(name) || !jwk[name].is_string()) throw KeyError(std::string("JWK: \"") + name + "\" is missing");
    auto bytes = from_base64url(jwk[name].get<std::string>());
    if (!bytes || bytes->size() != coordinate_bytes)
        throw KeyError(std::string("JWK: \"") + name + "\" is not 32 bytes of base64url");
    return *bytes;
}

struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

}  // namespace

std::string jwk_thumbprint(EVP_PKEY* key) {
    const auto point = public_point(key);
    const std::string canonical =
        R"({"crv":"P-256","kty":"EC","x":")" + coordinate(point, 0) + R"(","y":")" + coordinate(point, 1) + R"("})";
    Bytes digest(SHA256_DIGEST_LENGTH);
    SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest.data());
    return to_base64url(digest);
}

nlohmann::json public_jwk(EVP_PKEY* key) {
    const auto point = public_point(key);
    return {{"kty", "EC"},  {"crv", "P-256"}, {"x", coordinate(point, 0)}, {"y", coordinate(point, 1)},
            {"use", "sig"}, {"alg", "ES256"}, {"kid", jwk_thumbprint(key)}};
}

Pkey public_key_from_jwk(const nlohmann::json& jwk) {
    if (!jwk.is_object()) throw KeyError("JWK: not a JSON object");
    const auto text = [&](const char* name) {
        return jwk.contains(name) && jwk[name].is_string() ? jwk[name].get<std::string>() : std::string();
    };
    if (text("kty") != "EC") throw KeyError("JWK: \"kty\" is not \"EC\" (ES256 needs an EC P-256 key)");
    if (text("crv") != "P-256") throw KeyError("JWK: \"crv\" is not \"P-256\"");
    if (jwk.contains("d")) throw KeyError("JWK: holds a private key (\"d\"); give the public key");
    if (jwk.contains("alg") && text("alg") != "ES256") throw KeyError("JWK: \"alg\" is not \"ES256\"");
    Bytes point{0x04};
    for (const char* name : {"x", "y"}) {
        const auto c = member_coordinate(jwk, name);
        point.insert(point.end(), c.begin(), c.end());
    }
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        throw KeyError("JWK: OpenSSL could not take the key");
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* raw = nullptr;
    // OpenSSL decodes the point with EC_POINT_oct2point, which refuses one
    // off the curve (an invalid-curve attack's key): fromdata fails then.
    // (EarJwk.OnlyP256PublicKeysAreVerificationKeys changes one bit of y.)
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();
        throw KeyError("JWK: x and y are not a point on P-256");
    }
    Pkey key(raw);
    return key;
}

Pkey load_verification_key(std::string_view text) {
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start != std::string_view::npos && text[start] == '{') {
        nlohmann::json jwk;
        try {
            jwk = keel::json::parse_exact(text);
        } catch (const keel::json::RepeatedMember& e) { throw KeyError(std::string("JWK: ") + e.what()); }
        if (jwk.is_discarded()) throw KeyError("JWK: not JSON");
        return public_key_from_jwk(jwk);
    }
    return es256_public_key_from_pem(text);
}

}  // namespace keel::ear
