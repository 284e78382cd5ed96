// Signed reference documents through keel-verifierd's API, over mutual TLS
// with a real daemon and software push evidence (synthetic_launch.hpp; no
// TPM): a trusted publisher's document is stored once under its name and
// version (the same document again changes nothing, another one is
// refused), hosts move onto a document and between its versions and are
// appraised against the values of the one they refer to; documents from
// anyone else, changed ones, unsigned ones and requests naming unknown
// documents or hosts are refused with nothing stored.
#include <gtest/gtest.h>

#include <fstream>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <sstream>

#include "attestation/ear/compact_jws.hpp"
#include "attestation/ear/jwk.hpp"
#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/evidence/identity_document.hpp"
#include "attestation/refdoc/reference_document.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"
#include "verifierd_process.hpp"

namespace keel::test {
namespace {

using nlohmann::json;

const std::vector<std::uint16_t> banks = {eventlog::alg_sha256};
constexpr std::chrono::seconds within(10);

class RefdocApi : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/keel-refdoc-api-XXXXXX";
        dir_ = mkdtemp(pattern);
        ak_ = generate_ec_key();
        publisher_ = ear::Pkey(EVP_EC_gen("P-256"));
        // A host enrolled with its own reference values, as before documents.
        verifierd::FleetHost h;
        h.record.host_id = "node";
        h.record.ek_public = {1, 2, 3};
        h.record.ak_public = tpm2b_public(ak_.get(), ak_attributes);
        h.record.ak_name = evidence::parse_public(h.record.ak_public).name;
        h.record.reference_json = reference_json(banks, keel_components());
        h.record.policy_json = verifier::write_policy(verifier::Policy{});
        h.mode = verifierd::AttestMode::push;
        h.interval = std::chrono::seconds(3600);
        {
            verifierd::SqliteFleetStore store(db());
            store.enroll(h, false);
        }
        ak_name_ = h.record.ak_name;
        pki_ = std::make_unique<TestPki>(dir_);
        const auto pub = (dir_ / "publisher.pub").string();
        FILE* f = std::fopen(pub.c_str(), "w");
        PEM_write_PUBKEY(f, publisher_.get());
        std::fclose(f);
    }
    void TearDown() override {
        verifier_.reset();
        if (!HasFailure()) std::filesystem::remove_all(dir_);
    }
    std::string db() const { return (dir_ / "fleet.sqlite").string(); }
    void start(bool with_publisher = true) {
        std::ostringstream c;
        c << "listen = \"127.0.0.1:0\"\ndatabase = \"" << db() << "\"\n[tls]\ncertificate = \""
          << pki_->server().certificate << "\"\nprivate_key = \"" << pki_->server().private_key << "\"\nclient_ca = \""
          << pki_->ca() << "\"\n[api]\noperators = [\"operator\"]\n";
        if (with_publisher)
            c << "[references]\ntrusted_publishers = [\"" << (dir_ / "publisher.pub").string() << "\"]\n";
        const auto dir = dir_ / (with_publisher ? "with" : "without");
        std::filesystem::create_directories(dir);
        verifier_ = std::make_unique<VerifierdProcess>(dir, c.str());
    }
    Reply as(const std::string& cn, const std::string& method, const std::string& path, const std::string& body = "") {
        return call(verifier_->port(), pki_->ca(), pki_->client(cn), method, path, body, within);
    }
    Reply publish(const std::string& document) { return as("operator", "POST", "/v1/references", document); }
    // keel-hv@VERSION by `key`; without_guest: a build that no longer loads the guest.
    std::string document(EVP_PKEY* key, const std::string& version, bool without_guest = false,
                         std::int64_t iat = 1796000000) {
        auto components = keel_components();
        if (without_guest) components.pop_back();
        return refdoc::sign_reference_document(key, "keel-hv", version, reference_json(banks, components), iat);
    }
    json push() {
        auto n = as("node", "POST", "/v1/hosts/node/nonce");
        EXPECT_EQ(n.status, 200) << n.body;
        const auto nonce = eventlog::from_hex(n.json["nonce"].get<std::string>()).value();
        const auto evidence = launch_evidence(make_launch(banks), ak_.get(), ak_name_, nonce, {++clock_, 3, 0, true});
        auto e = as("node", "POST", "/v1/hosts/node/evidence", evidence::write_evidence(evidence));
        EXPECT_EQ(e.status, 200) << e.body;
        return e.json;
    }
    json host() { return as("operator", "GET", "/v1/hosts/node").json; }
    void expect_refused(const Reply& r, int status, const std::string& words) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_NE(r.json.value("error", "").find(words), std::string::npos) << r.body;
    }

    std::filesystem::path dir_;
    evidence::EvpPkey ak_;
    Bytes ak_name_;
    ear::Pkey publisher_;
    std::unique_ptr<TestPki> pki_;
    std::unique_ptr<VerifierdProcess> verifier_;
    std::uint64_t clock_ = 1000;
};

TEST_F(RefdocApi, ADocumentIsPublishedOnceAndHostsFollowItsVersions) {
    start();
    const auto v1 = document(publisher_.get(), "1.0");
    auto r = publish(v1 + "\n");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.json["outcome"], "stored");
    EXPECT_EQ(r.json["name"], "keel-hv");
    EXPECT_EQ(r.json["version"], "1.0");
    EXPECT_EQ(r.json["digest"], refdoc::sha256_label(v1));
    EXPECT_EQ(r.json["publisher"], ear::jwk_thumbprint(publisher_.get()));
    // The same document again: idempotent.
    r = publish(v1);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["outcome"], "already-published");
    // Another document (signed again, later) under the same name and version.
    expect_refused(publish(document(publisher_.get(), "1.0", false, 1796000001)), 409, "never replaced");
    auto shown = as("operator", "GET", "/v1/references/keel-hv/1.0");
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown.json["document"], v1);
    EXPECT_EQ(shown.json["reference_values"]["components"].size(), keel_components().size());
    EXPECT_EQ(as("operator", "GET", "/v1/references/keel-hv/9.9").status, 404);
    ASSERT_EQ(publish(document(publisher_.get(), "1.1", true)).status, 201);
    auto listed = as("operator", "GET", "/v1/references");
    ASSERT_EQ(listed.status, 200) << listed.body;
    ASSERT_EQ(listed.json["references"].size(), 2u);
    EXPECT_EQ(listed.json["references"][1]["version"], "1.1");

    // The host still has its own values.
    auto a = push();
    EXPECT_EQ(a["verdict"], "trusted");
    EXPECT_TRUE(a["reference"].is_null());
    // Unknown document or host: refused, nothing changed.
    expect_refused(as("operator", "PUT", "/v1/hosts/node/reference", R"({"name": "keel-hv", "version": "9.9"})"), 404,
                   "keel-hv@9.9 is not published");
    EXPECT_TRUE(host()["reference"].is_null());
    expect_refused(as("operator", "PUT", "/v1/hosts/nobody/reference", R"({"name": "keel-hv", "version": "1.0"})"), 404,
                   "\"nobody\" is not enrolled");
    expect_refused(as("operator", "PUT", "/v1/hosts/node/reference", R"({"name": "keel-hv"})"), 400, "version");
    EXPECT_EQ(as("node", "PUT", "/v1/hosts/node/reference", R"({"name": "keel-hv", "version": "1.0"})").status, 403);

    // Onto the document.
    r = as("operator", "PUT", "/v1/hosts/node/reference", R"({"name": "keel-hv", "version": "1.0"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(host()["reference"], "keel-hv@1.0");
    a = push();
    EXPECT_EQ(a["verdict"], "trusted");
    EXPECT_EQ(a["reference"], "keel-hv@1.0");

    // The fleet on 1.0 moves to 1.1, a build without the guest this host
    // still loads: its next appraisal says so.
    r = as("operator", "POST", "/v1/references/keel-hv/1.1/hosts", R"({"from_version": "1.0"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["hosts"], json::array({"node"}));
    a = push();
    EXPECT_EQ(a["verdict"], "not-trusted");
    EXPECT_EQ(a["reference"], "keel-hv@1.1");
    EXPECT_NE(a["failed_checks"].dump().find("reference.components"), std::string::npos) << a.dump();
    EXPECT_EQ(host()["last_appraisal"]["reference"], "keel-hv@1.1");

    // A move naming a host that is not enrolled moves none.
    expect_refused(as("operator", "POST", "/v1/references/keel-hv/1.0/hosts", R"({"hosts": ["node", "nobody"]})"), 404,
                   "no host was moved");
    EXPECT_EQ(host()["reference"], "keel-hv@1.1");
    expect_refused(as("operator", "POST", "/v1/references/keel-hv/1.0/hosts", R"({"hosts": ["node"], "from_version":
                   "1.1"})"),
                   400, "exactly one");
    r = as("operator", "POST", "/v1/references/keel-hv/1.0/hosts", R"({"hosts": ["node"]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(push()["verdict"], "trusted");
}

TEST_F(RefdocApi, DocumentsNotFromATrustedPublisherAreRefusedAndNothingIsStored) {
    start();
    auto stranger = ear::Pkey(EVP_EC_gen("P-256"));
    expect_refused(publish(document(stranger.get(), "1.0")), 422, "not signed by a trusted publisher");
    // Another key's signature under the trusted publisher's kid.
    auto header = json{{"alg", "ES256"}, {"typ", "keel-reference+jwt"}, {"kid", ear::jwk_thumbprint(publisher_.get())}};
    const auto genuine = document(publisher_.get(), "1.0");
    const auto payload_part = genuine.substr(genuine.find('.') + 1, genuine.rfind('.') - genuine.find('.') - 1);
    const auto input = genuine.substr(0, genuine.rfind('.'));
    expect_refused(publish(input + "." + ear::to_base64url(ear::es256_sign(stranger.get(), input))), 422,
                   "signature does not verify");
    // The trusted publisher's document with another version written in.
    auto payload = json::parse(ear::from_base64url(payload_part).value());
    payload["version"] = "2.0";
    expect_refused(publish(genuine.substr(0, genuine.find('.')) + "." + ear::to_base64url(payload.dump()) +
                           genuine.substr(genuine.rfind('.'))),
                   422, "signature does not verify");
    header["alg"] = "none";
    expect_refused(publish(ear::signing_input(header, payload) + "."), 422, "only ES256");
    expect_refused(publish("not a document"), 400, "not a signed reference document");
    // Only operators publish.
    EXPECT_EQ(as("node", "POST", "/v1/references", genuine).status, 403);
    EXPECT_EQ(call(verifier_->port(), pki_->ca(), std::nullopt, "POST", "/v1/references", genuine, within).status, 401);
    auto listed = as("operator", "GET", "/v1/references");
    EXPECT_EQ(listed.json["references"].size(), 0u) << listed.body;
    EXPECT_EQ(publish(genuine).status, 201);
}

TEST_F(RefdocApi, WithoutTrustedPublishersNothingCanBePublished) {
    start(false);
    expect_refused(publish(document(publisher_.get(), "1.0")), 403, "trusted_publishers");
    EXPECT_EQ(as("operator", "GET", "/v1/references").json["references"].size(), 0u);
}

TEST_F(RefdocApi, EnrolmentByAnUnknownReferenceIsRefusedAndNothingIsStored) {
    start();
    auto ek = generate_ec_key();
    evidence::IdentityDocument identity{tpm2b_public(ek.get(), 0x000300b2), std::nullopt,
                                        tpm2b_public(ak_.get(), ak_attributes), ak_name_};
    json request = {{"host_id", "new-host"},
                    {"mode", "push"},
                    {"identity", json::parse(evidence::write_identity(identity))},
                    {"reference", {{"name", "keel-hv"}, {"version", "1.0"}}}};
    expect_refused(as("operator", "POST", "/v1/enrollments", request.dump()), 404, "keel-hv@1.0 is not published");
    EXPECT_EQ(as("operator", "GET", "/v1/hosts/new-host").status, 404);
    // Both sources of values, or a malformed reference: bad request.
    auto both = request;
    both["reference_values"] = json::parse(reference_json(banks, keel_components()));
    expect_refused(as("operator", "POST", "/v1/enrollments", both.dump()), 400, "not both");
    auto odd = request;
    odd["reference"]["colour"] = "red";
    expect_refused(as("operator", "POST", "/v1/enrollments", odd.dump()), 400, "unknown member \"colour\"");
    // Published: the enrolment goes on to the identity checks.
    ASSERT_EQ(publish(document(publisher_.get(), "1.0")).status, 201);
    auto begun = as("operator", "POST", "/v1/enrollments", request.dump());
    EXPECT_TRUE(begun.status == 201 || begun.status == 422) << begun.body;
    EXPECT_TRUE(begun.json.contains("checks")) << begun.body;
}

}  // namespace
}  // namespace keel::test
