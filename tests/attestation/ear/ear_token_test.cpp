// EAR tokens in process: a result signed by keel-verifierd's key verifies
// with the key it publishes, and nothing else does: a changed header,
// payload or signature, another key, "alg": "none", HS256 keyed with the
// public key (alg confusion), a header naming another algorithm over a
// genuine ES256 signature, "crit", an expired token.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include "ear_fixture.hpp"
#include "tests/attestation/keys/public_key_pem.hpp"

namespace keel::ear {
namespace {

using test::claims;
using test::p256_key;

constexpr std::int64_t now = 1796000100;

std::string refusal(const std::string& token, EVP_PKEY* key, std::int64_t at = now) {
    try {
        verify_ear(token, key, at);
    } catch (const TokenRefused& e) { return e.what(); }
    return "";
}

TEST(EarToken, VerifiesWithThePublishedKey) {
    auto key = p256_key();
    const auto token = sign_ear(key.get(), claims());
    const auto published = public_jwk(key.get()).dump();
    EXPECT_EQ(published.find("\"d\""), std::string::npos);  // the private part is never published
    auto from_jwk = load_verification_key(published);
    auto from_pem = load_verification_key(keel::test::public_key_pem(key.get()));
    for (EVP_PKEY* k : {from_jwk.get(), from_pem.get()}) {
        const auto v = verify_ear(token, k, now);
        EXPECT_EQ(v.claims, claims());
        EXPECT_EQ(v.header["alg"], "ES256");
        EXPECT_EQ(v.header["typ"], "JWT");
        EXPECT_EQ(v.header["kid"], jwk_thumbprint(key.get()));
    }
    // The JWS signature is r || s, 64 bytes, not DER.
    EXPECT_EQ(from_base64url(token.substr(token.rfind('.') + 1))->size(), 64u);
}

TEST(EarToken, TheClaimsAreTheAppraisalsInEarForm) {
    const auto a = test::appraisal("not-trusted");
    const auto c = ear_claims(a, "keel-verifierd 1.2.3");
    EXPECT_EQ(c["eat_profile"], "tag:github.com,2023:veraison/ear");
    EXPECT_EQ(c["iat"], a.issued_at);
    EXPECT_EQ(c["ear.verifier-id"], (nlohmann::json{{"developer", "keel"}, {"build", "keel-verifierd 1.2.3"}}));
    EXPECT_EQ(c["eat_nonce"], to_base64url(a.nonce));
    EXPECT_EQ(from_base64url(c["eat_nonce"].get<std::string>()), a.nonce);
    const auto& s = c["submods"]["node-1"];
    EXPECT_EQ(s["ear.status"], "contraindicated");
    EXPECT_EQ(s["ear.appraisal-policy-id"], a.policy_id);
    EXPECT_EQ(s["ear.keel.verdict"], "not-trusted");
    EXPECT_EQ(s["ear.keel.appraisal-id"], 7);
    EXPECT_EQ(s["ear.keel.checks"][1], (nlohmann::json{{"id", "quote.nonce"}, {"status", "fail"}, {"message", "m"}}));
    EXPECT_EQ(ear_claims(test::appraisal("trusted"), "b")["submods"]["node-1"]["ear.status"], "affirming");
    EXPECT_STREQ(ear_status("something new"), "contraindicated");  // never affirmed by default
}

TEST(EarToken, TamperedHeaderPayloadOrSignatureFails) {
    auto key = p256_key();
    const auto token = sign_ear(key.get(), claims("not-trusted"));
    const auto dot1 = token.find('.'), dot2 = token.rfind('.');
    const auto signature = token.substr(dot2 + 1);

    // The payload: the verdict turned into "affirming", signature kept.
    auto forged = claims("not-trusted");
    forged["submods"]["node-1"]["ear.status"] = "affirming";
    const auto payload = token.substr(0, dot1 + 1) + to_base64url(forged.dump()) + "." + signature;
    EXPECT_NE(refusal(payload, key.get()).find("signature does not verify"), std::string::npos);

    // The header: another kid.
    const nlohmann::json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", "someone-else"}};
    const auto retitled = to_base64url(header.dump()) + token.substr(dot1);
    EXPECT_NE(refusal(retitled, key.get()).find("signature does not verify"), std::string::npos);

    // The signature: one bit of s, and the signature cut short.
    auto bits = *from_base64url(signature);
    bits[40] ^= 0x01;
    EXPECT_NE(refusal(token.substr(0, dot2 + 1) + to_base64url(bits), key.get()).find("signature does not verify"),
              std::string::npos);
    bits = *from_base64url(signature);
    bits.pop_back();
    EXPECT_NE(refusal(token.substr(0, dot2 + 1) + to_base64url(bits), key.get()), "");

    // Untouched, it verifies.
    EXPECT_EQ(refusal(token, key.get()), "");
}

TEST(EarToken, AlgNoneIsRefused) {
    auto key = p256_key();
    for (const char* alg : {"none", "None", "NONE"}) {
        const auto token = test::assemble({{"alg", alg}, {"typ", "JWT"}}, claims(), {});
        EXPECT_NE(refusal(token, key.get()).find("only ES256 is accepted"), std::string::npos) << alg;
    }
    EXPECT_NE(refusal(test::assemble({{"typ", "JWT"}}, claims(), {}), key.get()).find("names no algorithm"),
              std::string::npos);
}

TEST(EarToken, Hs256KeyedWithThePublicKeyIsRefused) {
    // The classic confusion: a verifier that lets the header pick the
    // algorithm checks an HMAC keyed with the bytes of the public key, which
    // anyone who has the key can compute.
    auto key = p256_key();
    const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    for (const auto& secret : {keel::test::public_key_pem(key.get()), public_jwk(key.get()).dump()}) {
        const auto input = signing_input(header, claims());
        const auto token = input + "." + to_base64url(test::hmac_sha256(secret, input));
        EXPECT_NE(refusal(token, key.get()).find("algorithm is \"HS256\""), std::string::npos);
    }
}

TEST(EarToken, AHeaderNamingAnotherAlgorithmIsRefusedEvenOverAGenuineSignature) {
    // The signature itself is a valid ES256 one: only the algorithm check
    // stands between this token and acceptance.
    auto key = p256_key();
    for (const char* alg : {"ES384", "RS256", "none", "HS256", "es256"}) {
        const auto token = test::signed_with_header(key.get(), {{"alg", alg}, {"typ", "JWT"}}, claims());
        EXPECT_NE(refusal(token, key.get()).find("only ES256 is accepted"), std::string::npos) << alg;
    }
    const auto crit = test::signed_with_header(key.get(), {{"alg", "ES256"}, {"crit", {"exp"}}, {"exp", 1}}, claims());
    EXPECT_NE(refusal(crit, key.get()).find("crit"), std::string::npos);
    const auto typ = test::signed_with_header(key.get(), {{"alg", "ES256"}, {"typ", "at+jwt"}}, claims());
    EXPECT_NE(refusal(typ, key.get()).find("typ"), std::string::npos);
}

TEST(EarToken, AnotherKeyFails) {
    auto key = p256_key(), other = p256_key();
    const auto token = sign_ear(key.get(), claims());
    EXPECT_NE(refusal(token, other.get()).find("signature does not verify"), std::string::npos);
    auto published = load_verification_key(public_jwk(other.get()).dump());
    EXPECT_NE(refusal(token, published.get()), "");
}

TEST(EarToken, ExpiredOrNotYetValidIsRefused) {
    auto key = p256_key();
    auto c = claims();
    c["exp"] = now;
    EXPECT_NE(refusal(sign_ear(key.get(), c), key.get()).find("expired"), std::string::npos);
    EXPECT_EQ(refusal(sign_ear(key.get(), c), key.get(), now - 1), "");
    c["exp"] = "tomorrow";
    EXPECT_NE(refusal(sign_ear(key.get(), c), key.get()).find("not a number"), std::string::npos);
    c = claims();
    c["nbf"] = now + 10;
    EXPECT_NE(refusal(sign_ear(key.get(), c), key.get()).find("not valid yet"), std::string::npos);
    EXPECT_EQ(refusal(sign_ear(key.get(), c), key.get(), now + 10), "");
}

TEST(EarToken, ASignedDocumentThatIsNotAnEarIsRefused) {
    auto key = p256_key();
    auto c = claims();
    c["submods"]["node-1"]["ear.status"] = "trusted";  // Keel's word, not the draft's
    EXPECT_NE(refusal(sign_ear(key.get(), c), key.get()).find("ear.status"), std::string::npos);
    c = claims();
    c.erase("eat_profile");
    EXPECT_NE(refusal(sign_ear(key.get(), c), key.get()).find("eat_profile"), std::string::npos);
    c = claims();
    c["submods"] = nlohmann::json::object();
    EXPECT_NE(refusal(sign_ear(key.get(), c), key.get()).find("submods"), std::string::npos);
}

TEST(EarJws, MalformedTokensAreNotTokens) {
    auto key = p256_key();
    const auto good = sign_ear(key.get(), claims());
    const auto malformed = [&](const std::string& token) {
        try {
            verify_ear(token, key.get(), now);
        } catch (const MalformedToken& e) { return std::string(e.what()); }
        return std::string();
    };
    EXPECT_NE(malformed(good.substr(0, good.rfind('.'))), "");  // two parts
    EXPECT_NE(malformed(good + ".e30"), "");  // four parts
    EXPECT_NE(malformed(good + "="), "");  // padding
    EXPECT_NE(malformed(std::string(max_token_bytes + 1, 'a')).find("more than"), std::string::npos);
    EXPECT_NE(malformed(test::assemble(nlohmann::json::array(), claims(), {})).find("header is not a JSON object"),
              std::string::npos);
    const auto repeated = to_base64url(R"({"alg":"none","alg":"ES256"})") + "." + to_base64url(claims().dump()) + ".";
    EXPECT_NE(malformed(repeated).find("appears twice"), std::string::npos);
    EXPECT_NE(malformed(to_base64url("{}") + "." + to_base64url("[1]") + ".").find("payload is not a JSON object"),
              std::string::npos);
}

TEST(EarBase64url, DecodingIsStrict) {
    for (std::size_t n = 0; n < 12; ++n) {
        Bytes b(n);
        for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(0xf0 + i * 7);
        const auto text = to_base64url(b);
        EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
        EXPECT_EQ(from_base64url(text), b) << n;
    }
    EXPECT_EQ(to_base64url(Bytes{0xfb, 0xff}), "-_8");
    EXPECT_FALSE(from_base64url("-_8="));  // padding
    EXPECT_FALSE(from_base64url("+/8"));  // the standard alphabet
    EXPECT_FALSE(from_base64url("-_9"));  // bits after the last byte
    EXPECT_FALSE(from_base64url("AAAAA"));  // a length no bytes have
    EXPECT_FALSE(from_base64url("AA A"));
}

TEST(EarJwk, TheKidIsTheRfc7638Thumbprint) {
    auto key = p256_key();
    const auto jwk = public_jwk(key.get());
    EXPECT_EQ(jwk["kty"], "EC");
    EXPECT_EQ(jwk["crv"], "P-256");
    const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() + R"(","y":")" +
                                  jwk["y"].get<std::string>() + R"("})";
    Bytes digest(32);
    unsigned int size = 0;
    EVP_Digest(canonical.data(), canonical.size(), digest.data(), &size, EVP_sha256(), nullptr);
    EXPECT_EQ(jwk["kid"], to_base64url(digest));
    EXPECT_EQ(from_base64url(jwk["x"].get<std::string>())->size(), 32u);
}

TEST(EarJwk, OnlyP256PublicKeysAreVerificationKeys) {
    auto key = p256_key();
    auto jwk = public_jwk(key.get());
    const auto refused = [](const nlohmann::json& j) {
        try {
            public_key_from_jwk(j);
        } catch (const KeyError& e) { return std::string(e.what()); }
        return std::string();
    };
    EXPECT_EQ(refused(jwk), "");
    auto with_d = jwk;
    with_d["d"] = jwk["x"];
    EXPECT_NE(refused(with_d).find("private"), std::string::npos);
    auto off_curve = jwk;
    auto y = *from_base64url(jwk["y"].get<std::string>());
    y[31] ^= 1;
    off_curve["y"] = to_base64url(y);
    EXPECT_NE(refused(off_curve).find("not a point on P-256"), std::string::npos);
    auto p384 = jwk;
    p384["crv"] = "P-384";
    EXPECT_NE(refused(p384), "");
    auto oct = nlohmann::json{{"kty", "oct"}, {"k", "c2VjcmV0"}};  // an HMAC secret
    EXPECT_NE(refused(oct).find("kty"), std::string::npos);
    Pkey p384_key(EVP_EC_gen("P-384"));
    EXPECT_THROW(load_verification_key(keel::test::public_key_pem(p384_key.get())), KeyError);
    EXPECT_THROW(verify_ear(sign_ear(key.get(), claims()), p384_key.get(), now), KeyError);
}

}  // namespace
}  // namespace keel::ear
