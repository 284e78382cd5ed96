// keel-verifierd's appraisal of a stored host with evidence made in software
// (tests/attestation/verifier/synthetic_launch.hpp): trusted with the
// enrolled AK, and after the host is enrolled again with another AK, never
// with the old one (nor with its old policy or reference values), although
// the appraiser keeps what it parsed of each host's record.
#include <gtest/gtest.h>

#include <filesystem>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/evidence/evidence_document.hpp"
#include "attestation/verifier/policy.hpp"
#include "attestation/verifierd/appraiser.hpp"
#include "attestation/verifierd/sqlite_fleet_store.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace keel::verifierd {
namespace {

const std::vector<std::uint16_t> banks = {eventlog::alg_sha256};

FleetHost host_with(EVP_PKEY* ak) {
    FleetHost h;
    h.record.host_id = "node";
    h.record.ek_public = {1, 2, 3};
    h.record.ak_public = test::tpm2b_public(ak, test::ak_attributes);
    h.record.ak_name = evidence::parse_public(h.record.ak_public).name;
    h.record.reference_json = test::reference_json(banks, test::keel_components());
    h.record.policy_json = verifier::write_policy(verifier::Policy{});
    h.mode = AttestMode::push;
    return h;
}

// Evidence over `nonce` signed by `signer`, naming the AK `named`.
verifier::Evidence evidence_from(EVP_PKEY* signer, const Bytes& named, const Bytes& nonce, std::uint64_t clock) {
    return parse_evidence_structures(
        test::launch_evidence(test::make_launch(banks), signer, named, nonce, {clock, 3, 0, true}));
}

TEST(FleetAppraiser, AHostEnrolledAgainIsNeverAppraisedWithItsOldKey) {
    char pattern[] = "/tmp/keel-fleet-appraiser-XXXXXX";
    const std::filesystem::path dir = mkdtemp(pattern);
    {
        SqliteFleetStore store((dir / "s.sqlite").string());
        Metrics metrics;
        Appraiser appraiser(store, metrics);
        auto old_key = test::generate_ec_key(), new_key = test::generate_ec_key();
        store.enroll(host_with(old_key.get()), false);
        const Bytes nonce(32, 0x5a);
        auto first = appraiser.appraise(*store.host("node"), nonce,
                                        evidence_from(old_key.get(), store.host("node")->record.ak_name, nonce, 1000),
                                        AttestMode::push, std::chrono::steady_clock::now());
        EXPECT_EQ(first.verdict, "trusted");

        store.enroll(host_with(new_key.get()), true);
        const auto enrolled = *store.host("node");
        // The old key signs, and the evidence names the new one.
        auto stale =
            appraiser.appraise(enrolled, nonce, evidence_from(old_key.get(), enrolled.record.ak_name, nonce, 2000),
                               AttestMode::push, std::chrono::steady_clock::now());
        EXPECT_EQ(stale.verdict, "not-trusted");
        bool signature_failed = false;
        for (const auto& c : stale.checks) signature_failed |= c.id == "quote.signature" && c.status == "fail";
        EXPECT_TRUE(signature_failed);
        auto fresh =
            appraiser.appraise(enrolled, nonce, evidence_from(new_key.get(), enrolled.record.ak_name, nonce, 3000),
                               AttestMode::push, std::chrono::steady_clock::now());
        EXPECT_EQ(fresh.verdict, "trusted");

        // Enrolled again with reference values, then (after the original
        // record) with a policy, that this launch does not meet: each change
        // alone is used at once.
        auto other = host_with(new_key.get());
        auto components = test::keel_components();
        components.back().measured.push_back(0xff);
        other.record.reference_json = test::reference_json(banks, components);
        store.enroll(other, true);
        auto by_reference = appraiser.appraise(*store.host("node"), nonce,
                                               evidence_from(new_key.get(), other.record.ak_name, nonce, 4000),
                                               AttestMode::push, std::chrono::steady_clock::now());
        EXPECT_EQ(by_reference.verdict, "not-trusted");
        store.enroll(host_with(new_key.get()), true);
        auto back = appraiser.appraise(*store.host("node"), nonce,
                                       evidence_from(new_key.get(), other.record.ak_name, nonce, 5000),
                                       AttestMode::push, std::chrono::steady_clock::now());
        EXPECT_EQ(back.verdict, "trusted");
        auto strict = host_with(new_key.get());
        strict.record.policy_json =
            R"({"format": "keel-attestation-policy", "version": 1, "required_components": ["absent"]})";
        store.enroll(strict, true);
        auto by_policy = appraiser.appraise(*store.host("node"), nonce,
                                            evidence_from(new_key.get(), strict.record.ak_name, nonce, 6000),
                                            AttestMode::push, std::chrono::steady_clock::now());
        EXPECT_EQ(by_policy.verdict, "not-trusted");
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keel::verifierd
