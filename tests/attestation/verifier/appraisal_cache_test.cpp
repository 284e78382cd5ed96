// The appraisal cache (attestation/verifier/appraisal_cache.hpp): a fleet of
// hosts that booted one image shares the appraisal of its logs, and nothing
// else. Every test compares the cached result with an uncached verify() of
// the same evidence: the named checks, their outcomes and messages must be
// the same. The attacks: another host's log sent with one's own quote, a
// quote over other PCRs with a log the cache knows, one byte of the log
// changed, other reference values or another policy.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/verifier/appraisal_cache.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace keel::verifier {
namespace {

using test::SyntheticLaunch;

struct FleetHost {
    evidence::EvpPkey ak = test::generate_ec_key();
    evidence::TpmPublic ak_public = evidence::parse_public(test::tpm2b_public(ak.get(), test::ak_attributes));
};

// What the verifier holds for one appraisal: a fresh nonce, the host's AK,
// the reference values and policy it enrolled with.
struct Appraisal {
    Bytes nonce;
    eventlog::ReferenceValues reference;
    Policy policy;
    Expectations expect(const FleetHost& host) const {
        Expectations x;
        x.nonce = nonce;
        x.ak = host.ak.get();
        x.ak_public = &host.ak_public;
        x.enrolled_ak_name = host.ak_public.name;
        x.policy = &policy;
        x.reference = &reference;
        return x;
    }
};

Bytes nonce(std::uint8_t n) { return Bytes(32, n); }

Appraisal appraisal_of(const SyntheticLaunch& launch, std::uint8_t n) {
    return {nonce(n), eventlog::parse_reference_values(launch.reference), Policy{}};
}

std::string checks_of(const AttestationResult& r) { return checks_text(r.checks); }

// verify() with the cache, after checking it says what verify() without one says.
AttestationResult verify_cached(const Evidence& e, const Expectations& x, AppraisalCache& cache) {
    const auto cached = verify(e, x, &cache);
    const auto plain = verify(e, x);
    EXPECT_EQ(checks_of(cached), checks_of(plain));
    EXPECT_EQ(cached.trusted(), plain.trusted());
    EXPECT_EQ(cached.components.size(), plain.components.size());
    return cached;
}

const Check& check_of(const AttestationResult& r, const char* id) {
    const auto* c = r.find(id);
    if (!c) throw std::runtime_error(std::string("no check ") + id);
    return *c;
}

class AppraisalCacheTest : public ::testing::Test {
public:
    SyntheticLaunch launch_ = test::make_launch({eventlog::alg_sha256}, 16);
    FleetHost a_, b_;
    AppraisalCache cache_{16};

    Evidence evidence_of(const FleetHost& host, const SyntheticLaunch& launch, std::uint8_t n) {
        return parse_evidence(test::launch_evidence(launch, host.ak.get(), host.ak_public.name, nonce(n)));
    }
};

TEST_F(AppraisalCacheTest, HostsWithTheSameLogAndReferencesShareOneLogAppraisal) {
    const auto first = verify_cached(evidence_of(a_, launch_, 1), appraisal_of(launch_, 1).expect(a_), cache_);
    const auto second = verify_cached(evidence_of(b_, launch_, 2), appraisal_of(launch_, 2).expect(b_), cache_);
    EXPECT_TRUE(first.trusted()) << checks_of(first);
    EXPECT_TRUE(second.trusted()) << checks_of(second);
    EXPECT_EQ(cache_.misses(), 1u);
    EXPECT_EQ(cache_.hits(), 1u);
    EXPECT_EQ(second.checks.size(), 12u);  // every named check, cached or not
}

// A hit spares the log checks only: an old quote replayed, or one signed
// by another host's AK, fails as it would without the cache.
TEST_F(AppraisalCacheTest, AQuoteForAnotherNonceOrByAnotherKeyFailsWhenTheLogIsCached) {
    verify_cached(evidence_of(a_, launch_, 1), appraisal_of(launch_, 1).expect(a_), cache_);
    const auto replayed = verify_cached(evidence_of(a_, launch_, 1), appraisal_of(launch_, 9).expect(a_), cache_);
    const auto forged = verify_cached(evidence_of(b_, launch_, 2), appraisal_of(launch_, 2).expect(a_), cache_);
    EXPECT_EQ(cache_.hits(), 2u);
    EXPECT_EQ(check_of(replayed, check::quote_nonce).status, Status::fail);
    EXPECT_EQ(check_of(forged, check::quote_signature).status, Status::fail);
    EXPECT_FALSE(replayed.trusted() || forged.trusted());
}

// Host b booted another hypervisor; its quote honestly covers its PCRs, but
// it sends host a's log, which the cache has appraised as trusted.
TEST_F(AppraisalCacheTest, AnotherHostsLogWithOnesOwnQuoteFails) {
    verify_cached(evidence_of(a_, launch_, 1), appraisal_of(launch_, 1).expect(a_), cache_);
    auto evil = launch_;
    evil.components[2].measured = {'e', 'v', 'i', 'l'};
    evil.pcrs = test::launch_pcrs(evil.banks, evil.components);
    evil.pcr_values = test::pcr_read_lists(evil.selection, evil.pcrs);
    evil.log = launch_.log;  // borrowed
    const auto r = verify_cached(evidence_of(b_, evil, 2), appraisal_of(launch_, 2).expect(b_), cache_);
    EXPECT_FALSE(r.trusted());
    EXPECT_EQ(check_of(r, check::quote_pcr_digest).status, Status::pass);  // its own quote, its own values
    EXPECT_EQ(check_of(r, check::eventlog_drtm).status, Status::fail);
    EXPECT_EQ(cache_.hits(), 0u);
}

// Host b sends host a's log and PCR values, which the cache knows, with its
// own quote over other PCRs: only quote.pcr_digest stands in the way.
TEST_F(AppraisalCacheTest, AQuoteOverOtherPcrsFailsWhenTheLogIsCached) {
    verify_cached(evidence_of(a_, launch_, 1), appraisal_of(launch_, 1).expect(a_), cache_);
    auto evil = launch_;
    evil.components[2].measured = {'e', 'v', 'i', 'l'};
    evil.pcrs = test::launch_pcrs(evil.banks, evil.components);
    auto document = test::launch_evidence(evil, b_.ak.get(), b_.ak_public.name, nonce(2));
    document.pcr_values = launch_.pcr_values;  // borrowed, with the log
    const auto r = verify_cached(parse_evidence(document), appraisal_of(launch_, 2).expect(b_), cache_);
    EXPECT_EQ(cache_.hits(), 1u);
    EXPECT_FALSE(r.trusted());
    EXPECT_EQ(check_of(r, check::quote_pcr_digest).status, Status::fail);
    EXPECT_EQ(check_of(r, check::eventlog_drtm).status, Status::pass);  // a's log does replay to a's values
}

// After host a's appraisal is kept, host b's evidence (of `launch`, under
// `appraisal`) must miss the cache, and `check` then says `status`.
void expect_miss(AppraisalCacheTest& t, const SyntheticLaunch& launch, const Appraisal& appraisal, const char* check,
                 Status status) {
    verify_cached(t.evidence_of(t.a_, t.launch_, 1), appraisal_of(t.launch_, 1).expect(t.a_), t.cache_);
    const auto r = verify_cached(t.evidence_of(t.b_, launch, 2), appraisal.expect(t.b_), t.cache_);
    EXPECT_EQ(t.cache_.hits(), 0u);
    EXPECT_EQ(t.cache_.size(), 2u);
    EXPECT_FALSE(r.trusted());
    EXPECT_EQ(check_of(r, check).status, status) << checks_of(r);
}

TEST_F(AppraisalCacheTest, OneByteOfTheLogChangedMisses) {
    auto changed = launch_;
    changed.log.back() ^= 0x01;  // the last event's data: the log still parses
    expect_miss(*this, changed, appraisal_of(launch_, 2), check::reference_components, Status::fail);
}

TEST_F(AppraisalCacheTest, OtherReferenceValuesMiss) {
    auto other = appraisal_of(launch_, 2);
    other.reference.components[2].digests.begin()->second[0] ^= 0x01;
    expect_miss(*this, launch_, other, check::reference_components, Status::fail);
}

TEST_F(AppraisalCacheTest, AnotherPolicyMisses) {
    auto other = appraisal_of(launch_, 2);
    other.policy.required_components = std::vector<std::string>{"slb", "no-such-component"};
    expect_miss(*this, launch_, other, check::reference_required, Status::fail);
}

// Only whether DRTM is required differs: still another policy.
TEST_F(AppraisalCacheTest, APolicyThatNoLongerRequiresDrtmMisses) {
    auto relaxed = appraisal_of(launch_, 2);
    relaxed.policy.require_drtm = false;
    relaxed.policy.required_banks = {eventlog::alg_sha256, eventlog::alg_sha384};  // not quoted: not trusted
    expect_miss(*this, launch_, relaxed, check::drtm_launched, Status::skipped);
}

TEST_F(AppraisalCacheTest, TheLeastRecentlyUsedEntryGoesAtTheBound) {
    AppraisalCache cache(2);
    std::vector<SyntheticLaunch> launches;
    for (std::size_t events : {6, 7, 8}) launches.push_back(test::make_launch({eventlog::alg_sha256}, events));
    auto appraise = [&](std::size_t i) {
        return verify_cached(evidence_of(a_, launches[i], 1), appraisal_of(launches[i], 1).expect(a_), cache);
    };
    appraise(0);
    appraise(1);
    appraise(0);  // hit: 0 is now the most recently used
    EXPECT_EQ(cache.hits(), 1u);
    appraise(2);  // full: 1 goes
    EXPECT_EQ(cache.size(), 2u);
    appraise(0);
    EXPECT_EQ(cache.hits(), 2u);
    EXPECT_TRUE(appraise(1).trusted());
    EXPECT_EQ(cache.hits(), 2u);  // 1 was gone
    EXPECT_EQ(cache.size(), 2u);
}

TEST_F(AppraisalCacheTest, ZeroEntriesKeepsNothing) {
    AppraisalCache none(0);
    for (std::uint8_t n = 1; n <= 3; ++n)
        EXPECT_TRUE(verify_cached(evidence_of(a_, launch_, n), appraisal_of(launch_, n).expect(a_), none).trusted());
    EXPECT_EQ(none.size(), 0u);
    EXPECT_EQ(none.hits(), 0u);
}

// keel-verifierd's workers share one cache: hosts of two images, each
// appraisal with its own nonce, the same verdicts as without the cache.
TEST_F(AppraisalCacheTest, WorkersShareOneCache) {
    const auto other = test::make_launch({eventlog::alg_sha256}, 20);
    constexpr int workers = 4, rounds = 25;
    std::vector<std::thread> threads;
    std::atomic<int> trusted{0};
    for (int w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
            for (int i = 0; i < rounds; ++i) {
                const auto& launch = (i + w) % 2 ? launch_ : other;
                const auto n = static_cast<std::uint8_t>(w * rounds + i);
                const auto e = evidence_of(w % 2 ? a_ : b_, launch, n);
                const auto x = appraisal_of(launch, n);
                const auto expect = x.expect(w % 2 ? a_ : b_);
                const auto cached = verify(e, expect, &cache_);
                if (cached.trusted() && checks_of(cached) == checks_of(verify(e, expect))) ++trusted;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(trusted, workers * rounds);
    EXPECT_EQ(cache_.hits() + cache_.misses(), static_cast<std::uint64_t>(workers * rounds));
    EXPECT_EQ(cache_.size(), 2u);
    EXPECT_GE(cache_.hits(), static_cast<std::uint64_t>(workers * rounds - workers * 2));
}

}  // namespace
}  // namespace keel::verifier
