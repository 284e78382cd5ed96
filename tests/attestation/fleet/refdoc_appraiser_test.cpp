// Hosts appraised against signed reference documents, in process (SQLite,
// evidence made in software: synthetic_launch.hpp). Moving a host to a new
// version whose values lack a component turns its verdict, although the
// evidence is the same and the appraisal cache holds the old appraisal of
// exactly that evidence (the cache key covers the reference values); each
// appraisal names the document it used; a result appraised against another
// document than the host now refers to is not signed as an EAR.
#include <gtest/gtest.h>

#include <filesystem>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "attestation/ear/ear_token.hpp"
#include "attestation/eventlog/algorithm.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/appraiser.hpp"
#include "attestation/verifierd/ear_signer.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace keel::verifierd {
namespace {

const std::vector<std::uint16_t> banks = {eventlog::alg_sha256};

PublishedReference document(const std::string& version, const std::string& values) {
    PublishedReference d;
    d.id = {"keel-hv", version};
    d.document = "document-" + version;
    d.digest = "sha256:" + version;
    d.reference_json = values;
    d.publisher = "kid";
    return d;
}

class RefdocAppraiser : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/keel-refdoc-appraiser-XXXXXX";
        dir_ = mkdtemp(pattern);
        store_ = std::make_unique<SqliteFleetStore>((dir_ / "s.sqlite").string());
        ak_ = test::generate_ec_key();
        // 1.0: the launch as built; 1.1: a build without the guest, which
        // this launch still loads.
        auto components = test::keel_components();
        store_->publish_reference(document("1.0", test::reference_json(banks, components)));
        components.pop_back();
        store_->publish_reference(document("1.1", test::reference_json(banks, components)));
        FleetHost h;
        h.record.host_id = "node";
        h.record.ek_public = {1, 2, 3};
        h.record.ak_public = test::tpm2b_public(ak_.get(), test::ak_attributes);
        h.record.ak_name = evidence::parse_public(h.record.ak_public).name;
        h.record.reference_document = ReferenceName{"keel-hv", "1.0"};
        h.record.policy_json = verifier::write_policy(verifier::Policy{});
        h.mode = AttestMode::push;
        store_->enroll(h, false);
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    // The same launch every time, over a fresh nonce and a later clock.
    Appraisal appraise(Appraiser& appraiser) {
        const auto host = *store_->host("node");
        const Bytes nonce(32, static_cast<std::uint8_t>(++clock_));
        auto evidence = parse_evidence_structures(test::launch_evidence(
            test::make_launch(banks), ak_.get(), host.record.ak_name, nonce, {1000 + clock_, 3, 0, true}));
        return appraiser.appraise(host, nonce, evidence, AttestMode::push, std::chrono::steady_clock::now());
    }
    static bool failed(const Appraisal& a, const std::string& check) {
        for (const auto& c : a.checks)
            if (c.id == check && c.status == "fail") return true;
        return false;
    }

    std::filesystem::path dir_;
    std::unique_ptr<SqliteFleetStore> store_;
    evidence::EvpPkey ak_;
    std::uint64_t clock_ = 0;
};

TEST_F(RefdocAppraiser, MovingToAVersionWithoutAComponentChangesTheVerdictDespiteTheCache) {
    Metrics metrics;
    Appraiser appraiser(*store_, metrics, "verifier-a", 16);
    auto first = appraise(appraiser);
    EXPECT_EQ(first.verdict, "trusted");
    EXPECT_EQ(first.reference, "keel-hv@1.0");
    auto again = appraise(appraiser);
    EXPECT_EQ(again.verdict, "trusted");
    ASSERT_EQ(store_->appraisals("node", 1).front().reference, "keel-hv@1.0");

    store_->refer_hosts({"node"}, {"keel-hv", "1.1"});
    auto moved = appraise(appraiser);
    EXPECT_EQ(moved.verdict, "not-trusted");
    EXPECT_EQ(moved.reference, "keel-hv@1.1");
    EXPECT_TRUE(failed(moved, "reference.components")) << "checks: " << [&] {
        std::string all;
        for (const auto& c : moved.checks) all += c.id + "=" + c.status + " ";
        return all;
    }();
    EXPECT_EQ(store_->appraisals("node", 1).front().reference, "keel-hv@1.1");

    // Back to 1.0 for the whole fleet on it: trusted again.
    EXPECT_EQ(store_->move_references({"keel-hv", "1.1"}, {"keel-hv", "1.0"}), std::vector<std::string>{"node"});
    auto back = appraise(appraiser);
    EXPECT_EQ(back.verdict, "trusted");
    EXPECT_EQ(back.reference, "keel-hv@1.0");
}

TEST_F(RefdocAppraiser, AResultIsNotSignedAgainstADocumentTheHostNoLongerRefersTo) {
    ear::Pkey key(EVP_EC_gen("P-256"));
    const auto key_path = (dir_ / "ear.key").string();
    FILE* f = std::fopen(key_path.c_str(), "w");
    PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    EarSigner signer(key_path, "keel-verifierd test");
    Metrics metrics;
    Appraiser appraiser(*store_, metrics);
    auto a = appraise(appraiser);
    auto host = *store_->host("node");
    host.record.enrolled_at = "2000-01-01T00:00:00Z";  // not this second's: only the reference is in question
    const auto token = signer.sign(host, a);
    const auto ear = ear::verify_ear(token, key.get(), a.at / 1000);
    EXPECT_EQ(ear.claims["submods"]["node"]["ear.keel.reference"], "keel-hv@1.0");
    EXPECT_EQ(ear.claims["submods"]["node"]["ear.appraisal-policy-id"], appraisal_policy_id(host.record));

    store_->refer_hosts({"node"}, {"keel-hv", "1.1"});
    host = *store_->host("node");
    host.record.enrolled_at = "2000-01-01T00:00:00Z";
    EXPECT_THROW(signer.sign(host, a), EarUnavailable);
}

}  // namespace
}  // namespace keel::verifierd
