// Signed reference documents in process (attestation/refdoc/): a document
// keel reference sign makes verifies with its publisher's key and gives back
// exactly what was signed; every way of changing it afterwards, or of making
// one without the key, is refused, each by its own named check
// (reference_document.hpp lists them).
#include <gtest/gtest.h>

#include <openssl/hmac.h>

#include "attestation/ear/ear_claims.hpp"
#include "attestation/ear/ear_token.hpp"
#include "attestation/eventlog/reference.hpp"
#include "refdoc_fixture.hpp"

namespace keel::refdoc {
namespace {

using nlohmann::json;

// The document is refused, with `words` in the reason.
void expect_refused(const std::string& token, EVP_PKEY* key, const std::string& words) {
    try {
        verify_reference_document(token, key);
        ADD_FAILURE() << "accepted; expected a refusal with \"" << words << "\"";
    } catch (const ear::TokenRefused& e) {
        EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    } catch (const ear::MalformedToken& e) { ADD_FAILURE() << "malformed, not refused: " << e.what(); }
}

TEST(Document, SignedDocumentVerifiesAndGivesBackWhatWasSigned) {
    auto key = test::p256_key();
    const auto token = test::genuine(key.get());
    const auto d = verify_reference_document(token, key.get());
    EXPECT_EQ(d.name, "keel-hv");
    EXPECT_EQ(d.version, "1.4.2");
    EXPECT_EQ(d.label(), "keel-hv@1.4.2");
    EXPECT_EQ(d.issued_at, 1796000000);
    EXPECT_EQ(d.publisher, ear::jwk_thumbprint(key.get()));
    EXPECT_EQ(d.digest, sha256_label(token));
    EXPECT_EQ(d.digest.size(), 7u + 64u);
    EXPECT_EQ(d.token, token);
    EXPECT_EQ(json::parse(d.reference_json), test::reference_values());
    EXPECT_EQ(eventlog::parse_reference_values(d.reference_json).components.size(), 2u);
    const auto parts = test::split(token);
    EXPECT_EQ(ear::parse_compact_jws(token).header, test::header(key.get()));
    EXPECT_EQ(document_key_id(token), d.publisher);
    EXPECT_FALSE(parts.signature.empty());
}

TEST(Document, ATamperedPayloadIsRefused) {
    auto key = test::p256_key();
    const auto parts = test::split(test::genuine(key.get()));
    // Another hypervisor's digest under the publisher's signature.
    auto changed = test::payload();
    changed["reference_values"] = test::reference_values(std::string(64, 'c'));
    const auto forged = parts.header + "." + ear::to_base64url(changed.dump()) + "." + parts.signature;
    expect_refused(forged, key.get(), "signature does not verify");
}

TEST(Document, ATamperedNameOrVersionIsRefused) {
    auto key = test::p256_key();
    const auto parts = test::split(test::genuine(key.get()));
    for (const auto& [name, version] : {std::pair{"keel-hv", "1.4.3"}, std::pair{"keel-hv-debug", "1.4.2"}}) {
        const auto forged =
            parts.header + "." + ear::to_base64url(test::payload(name, version).dump()) + "." + parts.signature;
        expect_refused(forged, key.get(), "signature does not verify");
    }
}

TEST(Document, AnotherKeysSignatureIsRefused) {
    auto publisher = test::p256_key(), other = test::p256_key();
    // Signed by another key, naming it: not this publisher's.
    expect_refused(test::genuine(other.get()), publisher.get(), "not by the key given");
    // Signed by another key, naming the publisher's: the signature decides.
    expect_refused(test::signed_document(other.get(), test::header(publisher.get()), test::payload()), publisher.get(),
                   "signature does not verify");
}

TEST(Document, AKidThatIsNotTheSigningKeysIsRefused) {
    // Genuinely signed by the publisher, naming another key: the document
    // would be filed under a publisher who never signed it.
    auto publisher = test::p256_key(), other = test::p256_key();
    expect_refused(test::signed_document(publisher.get(), test::header(other.get()), test::payload()), publisher.get(),
                   "not by the key given");
}

TEST(Document, AlgNoneAndHmacAreRefusedBeforeTheKeyIsUsed) {
    auto key = test::p256_key();
    auto none = test::header(key.get());
    none["alg"] = "none";
    expect_refused(ear::signing_input(none, test::payload()) + ".", key.get(), "\"none\"");
    // HS256 keyed with the publisher's public key: anyone holding it could make one.
    auto hs = test::header(key.get());
    hs["alg"] = "HS256";
    const auto input = ear::signing_input(hs, test::payload());
    const auto pem_public = ear::public_jwk(key.get()).dump();
    ear::Bytes mac(32);
    unsigned int size = 0;
    HMAC(EVP_sha256(), pem_public.data(), static_cast<int>(pem_public.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &size);
    expect_refused(input + "." + ear::to_base64url(mac), key.get(), "\"HS256\"");
    auto es384 = test::header(key.get());
    es384["alg"] = "ES384";
    expect_refused(test::signed_document(key.get(), es384, test::payload()), key.get(), "only ES256");
    auto crit = test::header(key.get());
    crit["crit"] = json::array({"exp"});
    expect_refused(test::signed_document(key.get(), crit, test::payload()), key.get(), "crit");
}

TEST(Document, AnotherKindOfTokenByTheSameKeyIsNotADocument) {
    auto key = test::p256_key();
    ear::EarAppraisal a;
    a.host_id = "node";
    a.verdict = "trusted";
    a.policy_id = "p";
    expect_refused(ear::sign_ear(key.get(), ear::ear_claims(a, "test")), key.get(), "typ");
    auto untyped = test::header(key.get());
    untyped.erase("typ");
    expect_refused(test::signed_document(key.get(), untyped, test::payload()), key.get(), "typ");
    // And a document is no EAR.
    EXPECT_THROW(ear::verify_ear(test::genuine(key.get()), key.get(), 1796000000), ear::TokenRefused);
}

TEST(Document, UnknownMembersAreRefused) {
    auto key = test::p256_key();
    auto h = test::header(key.get());
    h["x5u"] = "https://attacker.example/key";
    expect_refused(test::signed_document(key.get(), h, test::payload()), key.get(), "header has an unknown member");
    auto p = test::payload();
    p["expires"] = 1;
    expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(),
                   "payload has an unknown member \"expires\"");
    // Inside the reference values too: the reference parser's own rule.
    auto values = test::reference_values();
    values["components"][1]["digest"] = std::string(64, 'b');
    p = test::payload();
    p["reference_values"] = values;
    expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(),
                   "unknown member \"digest\"");
    auto no_kid = test::header(key.get());
    no_kid.erase("kid");
    expect_refused(test::signed_document(key.get(), no_kid, test::payload()), key.get(), "kid");
}

TEST(Document, MissingOrUnsafeNameAndVersionAreRefused) {
    auto key = test::p256_key();
    for (const char* member : {"name", "version", "iat", "reference_values"}) {
        auto p = test::payload();
        p.erase(member);
        expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(),
                       std::string("\"") + member + "\"");
    }
    for (const auto& bad : {json(""), json("../etc"), json("a b"), json(".."), json(std::string(65, 'a')), json(7)}) {
        auto p = test::payload();
        p["version"] = bad;
        expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(), "\"version\" must be");
    }
    auto p = test::payload();
    p["iat"] = -1;
    expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(), "\"iat\"");
}

TEST(Document, APayloadThatIsNotReferenceValuesIsRefused) {
    auto key = test::p256_key();
    auto p = test::payload();
    p["reference_values"] = {{"format", "keel-attestation-policy"}, {"version", 1}};
    expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(), "reference_values");
    p["reference_values"] = "keel-hv";
    expect_refused(test::signed_document(key.get(), test::header(key.get()), p), key.get(), "reference_values");
}

TEST(Document, MalformedBytesAreMalformedNotRefused) {
    auto key = test::p256_key();
    EXPECT_THROW(verify_reference_document("not a document", key.get()), ear::MalformedToken);
    EXPECT_THROW(verify_reference_document(std::string(max_document_bytes + 1, 'a'), key.get()), ear::MalformedToken);
    const auto parts = test::split(test::genuine(key.get()));
    EXPECT_THROW(verify_reference_document(parts.header + "." + parts.payload + "." + parts.signature + "=", key.get()),
                 ear::MalformedToken);
}

TEST(Document, SigningRefusesWhatNoVerifierWouldAccept) {
    auto key = test::p256_key();
    EXPECT_THROW(sign_reference_document(key.get(), "a/b", "1", test::reference_values().dump(), 1), ear::TokenRefused);
    EXPECT_THROW(sign_reference_document(key.get(), "keel-hv", "", test::reference_values().dump(), 1),
                 ear::TokenRefused);
    EXPECT_THROW(sign_reference_document(key.get(), "keel-hv", "1", R"({"format": "keel-reference-values"})", 1),
                 ear::TokenRefused);
    EXPECT_THROW(sign_reference_document(key.get(), "keel-hv", "1", "{", 1), ear::TokenRefused);
}

TEST(Document, LabelsAreSafePathSegments) {
    for (const char* good : {"keel-hv", "1.4.2", "1.4.2+build.7", "amd_epyc", "A"}) EXPECT_TRUE(valid_label(good));
    for (const char* bad : {"", ".", "..", "a/b", "a%2fb", "a b", "a\nb", "é", "a?b"}) EXPECT_FALSE(valid_label(bad));
    EXPECT_TRUE(valid_label(std::string(64, 'a')));
    EXPECT_FALSE(valid_label(std::string(65, 'a')));
}

}  // namespace
}  // namespace keel::refdoc
