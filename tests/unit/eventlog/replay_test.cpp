#include "attestation/eventlog/replay.hpp"

#include <gtest/gtest.h>

#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "log_builder.hpp"

using namespace keel::eventlog;
using keel::test::bytes;
using keel::test::extend;
using keel::test::hash;
using keel::test::keel_data;
using keel::test::keel_drtm_log;
using keel::test::LogBuilder;

namespace {

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

Bytes startup_locality(std::uint8_t locality) {
    Bytes data = bytes(std::string("StartupLocality\0", 16));
    data.push_back(locality);
    return data;
}

TEST(EventlogReplay, ExtendsEachBankFromZero) {
    const auto r = replay(parse(keel_drtm_log().build()));
    for (const auto& bank : LogBuilder::drtm_banks()) {
        const auto h = [&](const Bytes& d) { return hash(bank.id, d); };
        auto pcr17 = extend(bank.id, zeros(bank.digest_size), h(keel_data("slb", "")));
        pcr17 = extend(bank.id, pcr17, h(keel_data("hypervisor", "debug-exit=0xf4")));
        const auto pcr18 = extend(bank.id, zeros(bank.digest_size), h(keel_data("manifest", "policy v1")));
        const auto pcr19 = extend(bank.id, zeros(bank.digest_size), h(keel_data("guest", "guest my-guest")));
        const auto& pcrs = r.pcrs.at(bank.id);
        ASSERT_EQ(pcrs.size(), 3u);
        EXPECT_EQ(pcrs.at(17), pcr17);
        EXPECT_EQ(pcrs.at(18), pcr18);
        EXPECT_EQ(pcrs.at(19), pcr19);
    }
    EXPECT_TRUE(r.incomplete.empty());
    EXPECT_TRUE(r.unsupported.empty());
}

TEST(EventlogReplay, MatchesAKnownAnswer) {
    // The same bytes through tpm2_eventlog 5.4: sha256 PCR 17 and sha1 PCR 19.
    LogBuilder b;
    b.event(17, keel_ev_skinit, bytes(std::string("slb\0", 4)))
        .event(18, keel_ev_launch_manifest, keel_data("manifest", "v1"))
        .event(17, keel_ev_component, keel_data("hypervisor", "debug-exit=0xf4"))
        .event(19, keel_ev_component, keel_data("guest", ""));
    const auto r = replay(parse(b.build()));
    EXPECT_EQ(to_hex(r.pcrs.at(alg_sha256).at(17)), "53a72bf63df171491c7fa3b841cbfc68e0f0ad9c59b21fa47c2ef1ed280fdecb");
    EXPECT_EQ(to_hex(r.pcrs.at(alg_sha1).at(19)), "bb2eb00b2169cfbedc2965c0c7227cc0157a6c38");
}

TEST(EventlogReplay, NeverExtendsNoActionEvents) {
    LogBuilder b({{alg_sha256, 32}});
    b.event(17, ev_no_action, bytes("not measured")).event(17, keel_ev_component, keel_data("x", ""));
    const auto r = replay(parse(b.build()));
    EXPECT_EQ(r.pcrs.at(alg_sha256).at(17), extend(alg_sha256, zeros(32), hash(alg_sha256, keel_data("x", ""))));
}

TEST(EventlogReplay, StartsPcr0AtTheStartupLocality) {
    LogBuilder b({{alg_sha1, 20}, {alg_sha256, 32}});
    b.event(0, ev_no_action, startup_locality(3)).event(0, 8, bytes("firmware 1.0"));
    const auto r = replay(parse(b.build()));
    EXPECT_EQ(r.pcr0_locality, 3);
    for (auto [alg, size] : {std::pair{alg_sha1, 20}, std::pair{alg_sha256, 32}}) {
        Bytes initial = zeros(size);
        initial.back() = 3;
        EXPECT_EQ(r.pcrs.at(alg).at(0), extend(alg, initial, hash(alg, bytes("firmware 1.0"))));
    }
}

TEST(EventlogReplay, IgnoresAStartupLocalityAfterPcr0WasExtended) {
    LogBuilder b({{alg_sha256, 32}});
    b.event(0, 8, bytes("firmware 1.0")).event(0, ev_no_action, startup_locality(3));
    const auto r = replay(parse(b.build()));
    EXPECT_EQ(r.pcrs.at(alg_sha256).at(0), extend(alg_sha256, zeros(32), hash(alg_sha256, bytes("firmware 1.0"))));
}

TEST(EventlogReplay, StartsPcr0AtFourAfterAnHcrtmEvent) {
    LogBuilder b({{alg_sha256, 32}});
    b.event(0, ev_efi_hcrtm_event, bytes("HCRTM")).event(0, 8, bytes("firmware 1.0"));
    const auto r = replay(parse(b.build()));
    Bytes pcr = zeros(32);
    pcr.back() = 4;
    pcr = extend(alg_sha256, pcr, hash(alg_sha256, bytes("HCRTM")));
    pcr = extend(alg_sha256, pcr, hash(alg_sha256, bytes("firmware 1.0")));
    EXPECT_EQ(r.pcrs.at(alg_sha256).at(0), pcr);
}

TEST(EventlogReplay, MarksBanksWithMissingDigestsIncomplete) {
    LogBuilder b({{alg_sha1, 20}, {alg_sha256, 32}});
    b.event(17, keel_ev_component, keel_data("x", "")).event(18, 0x501, {{alg_sha256, Bytes(32, 9)}}, bytes("tboot"));
    const auto r = replay(parse(b.build()));
    EXPECT_EQ(r.incomplete, (std::set<std::pair<AlgorithmId, std::uint32_t>>{{alg_sha1, 18}}));
    EXPECT_EQ(r.pcrs.at(alg_sha1).count(18), 0u);
    EXPECT_EQ(r.pcrs.at(alg_sha256).at(18), extend(alg_sha256, zeros(32), Bytes(32, 9)));
}

TEST(EventlogReplay, SkipsBanksItCannotCompute) {
    LogBuilder b({{alg_sha256, 32}, {0x1234, 40}});
    b.event(17, keel_ev_component, {{alg_sha256, Bytes(32, 1)}, {0x1234, Bytes(40, 2)}}, keel_data("x", ""));
    const auto r = replay(parse(b.build()));
    EXPECT_EQ(r.unsupported, std::set<AlgorithmId>{0x1234});
    EXPECT_EQ(r.pcrs.count(0x1234), 0u);
    EXPECT_EQ(r.pcrs.at(alg_sha256).size(), 1u);
}

TEST(EventlogReplay, ListsEveryBankEvenWithoutExtends) {
    const auto r = replay(parse(LogBuilder().build()));
    EXPECT_EQ(r.pcrs.size(), 3u);
    for (const auto& [bank, pcrs] : r.pcrs) EXPECT_TRUE(pcrs.empty());
}

TEST(EventlogReplay, InitialValuesFollowTheSameRules) {
    Replay r;
    EXPECT_EQ(initial_pcr_value(r, 32, 17), zeros(32));
    r.pcr0_locality = 3;
    Bytes pcr0 = zeros(20);
    pcr0.back() = 3;
    EXPECT_EQ(initial_pcr_value(r, 20, 0), pcr0);
    EXPECT_EQ(initial_pcr_value(r, 20, 1), zeros(20));
}

}  // namespace
