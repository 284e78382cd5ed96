// The fleet store's contract, one test body run against both stores:
// SQLite (a file in a temporary directory; built into the unit tests) and
// PostgreSQL (a server of the test's own, pg_server.hpp; built with
// KEEL_STORE_CONTRACT_POSTGRESQL into the postgres tests). Enrolment,
// appraisals with their checks, the clock rule, the unreachable rule, and
// the shared schedule: claims, leases, heartbeats and takeover of a dead
// instance's hosts.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "attestation/verifierd/open_fleet_store.hpp"
#include "tests/attestation/fleet/store_fixtures.hpp"
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
#include "pg_server.hpp"
#define KEEL_STORE_CONTRACT_STORE "postgresql"
#else
#define KEEL_STORE_CONTRACT_STORE "sqlite"
#endif

namespace keel::verifierd {
namespace {

namespace fs = std::filesystem;

using test::appraisal;
using test::clock;
using test::host;

using Ids = std::vector<std::string>;

Ids ids(const std::vector<FleetHost>& hosts) {
    Ids out;
    for (const auto& h : hosts) out.push_back(h.record.host_id);
    std::sort(out.begin(), out.end());
    return out;
}

class StoreContract : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
        server_ = std::make_unique<test::PgServer>();
        server_->create_database("fleet");
        target_ = server_->uri("fleet");
#else
        char pattern[] = "/tmp/keel-store-contract-XXXXXX";
        dir_ = mkdtemp(pattern);
        target_ = (dir_ / "fleet.sqlite").string();
#endif
        store_ = open_fleet_store(target_);
    }
    void TearDown() override {
        store_.reset();
#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
        server_.reset();
#endif
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    // A second handle on the same store: another verifier instance.
    std::unique_ptr<FleetStore> another() { return open_fleet_store(target_); }

#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
    std::unique_ptr<test::PgServer> server_;
#endif
    fs::path dir_;
    std::string target_;
    std::unique_ptr<FleetStore> store_;
};

// Numbered alike in both stores (version 4, PostgreSQL's shared push
// nonces, changes nothing in SQLite).
constexpr int latest_version = 5;

TEST_P(StoreContract, NewStoreIsAtTheLatestVersion) {
    EXPECT_EQ(store_->schema_version(), latest_version);
    store_->check_health();
    // Opening it again changes nothing.
    EXPECT_EQ(another()->schema_version(), latest_version);
}

TEST_P(StoreContract, EnrolledHostKeepsHowItIsAttested) {
    auto& store = *store_;
    const auto before = now_ms();
    store.enroll(host("a", AttestMode::pull), false);
    store.enroll(host("b", AttestMode::push), false);
    auto a = store.host("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->mode, AttestMode::pull);
    EXPECT_EQ(a->agent_url, "http://127.0.0.1:1");
    EXPECT_EQ(a->interval, std::chrono::seconds(7));
    EXPECT_EQ(a->state, HostState::pending);
    EXPECT_FALSE(a->last_attested);
    EXPECT_EQ(a->record.ek_public, host("a").record.ek_public);
    EXPECT_FALSE(a->record.ek_certificate);
    ASSERT_TRUE(a->next_due);  // due at once
    EXPECT_GE(*a->next_due, before);
    EXPECT_LE(*a->next_due, now_ms());
    auto all = store.hosts();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].mode, AttestMode::push);
    EXPECT_THROW(store.enroll(host("a"), false), EnrollmentConflict);
    // One TPM cannot be two hosts.
    auto twin = host("a");
    twin.record.host_id = "twin";
    EXPECT_THROW(store.enroll(twin, true), EnrollmentConflict);
    EXPECT_FALSE(store.host("twin"));
    // Enrolled again: state and counters start over.
    store.record_appraisal(appraisal("a", "trusted", 1000), clock(10, 1));
    store.enroll(host("a"), true);
    EXPECT_EQ(store.host("a")->state, HostState::pending);
    EXPECT_FALSE(store.host("a")->record.last_clock);
    EXPECT_FALSE(store.host("missing"));
}

TEST_P(StoreContract, AppraisalsAreKeptWithTheirChecksNewestFirst) {
    auto& store = *store_;
    store.enroll(host("a"), false);
    store.record_appraisal(appraisal("a", "trusted", 1000), clock(10, 1));
    auto second = store.record_appraisal(appraisal("a", "not-trusted", 2000), std::nullopt);
    auto list = store.appraisals("a", 10);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, second.id);
    EXPECT_GT(list[0].id, list[1].id);
    EXPECT_EQ(list[0].verdict, "not-trusted");
    EXPECT_EQ(list[0].at, 2000);
    EXPECT_EQ(list[0].nonce, (Bytes{0xaa, 0x00, 0xbb}));
    EXPECT_EQ(list[0].instance, "verifier-a");
    ASSERT_EQ(list[0].checks.size(), 2u);
    EXPECT_EQ(list[0].checks[1].id, "eventlog.drtm");
    EXPECT_EQ(list[0].checks[1].status, "fail");
    EXPECT_EQ(list[0].checks[1].message, "replay: it's \"quoted\"");
    ASSERT_EQ(list[1].checks.size(), 2u);
    EXPECT_EQ(list[1].verdict, "trusted");
    EXPECT_EQ(store.appraisals("a", 1).size(), 1u);
    auto a = store.host("a");
    EXPECT_EQ(a->state, HostState::not_trusted);
    EXPECT_EQ(a->last_attested, 2000);
    ASSERT_TRUE(a->record.last_clock);
    EXPECT_EQ(a->record.last_clock->clock, 10u);
    EXPECT_FALSE(a->record.last_verified_at.empty());
    EXPECT_EQ(store.appraisal_count(), 2);
}

TEST_P(StoreContract, AQuoteBehindTheLastAcceptedIsKeptAsNotTrusted) {
    auto& store = *store_;
    store.enroll(host("a"), false);
    // A clock past 2^63 ms is compared unsigned.
    const std::uint64_t high = (std::uint64_t{1} << 63) + 5;
    store.record_appraisal(appraisal("a", "trusted", 1000), clock(high, 2));
    auto replayed = store.record_appraisal(appraisal("a", "trusted", 2000), clock(50, 2));
    EXPECT_EQ(replayed.verdict, "not-trusted");
    bool clock_failed = false;
    for (const auto& c : replayed.checks) clock_failed |= c.id == "quote.clock" && c.status == "fail";
    EXPECT_TRUE(clock_failed);
    EXPECT_EQ(store.host("a")->state, HostState::not_trusted);
    EXPECT_EQ(store.host("a")->record.last_clock->clock, high);
    EXPECT_EQ(store.appraisals("a", 1)[0].verdict, "not-trusted");
    // A reboot (reset count up) moves on.
    EXPECT_EQ(store.record_appraisal(appraisal("a", "trusted", 3000), clock(1, 3)).verdict, "trusted");
}

TEST_P(StoreContract, AppraisalOfAHostNotEnrolledStoresNothing) {
    EXPECT_THROW(store_->record_appraisal(appraisal("ghost", "trusted", 1), std::nullopt), StoreError);
    EXPECT_EQ(store_->appraisal_count(), 0);
}

// Appraisals from many threads at once (keel-verifierd's workers): SQLite
// writes them by group commit, several to a transaction. Every one that
// returned is kept, each under its own id; one that fails (a host not
// enrolled) fails alone, whatever it shared a transaction with.
TEST_P(StoreContract, ConcurrentAppraisalsAreEachKeptOrRefusedAlone) {
    constexpr int threads = 8, rounds = 25;
    for (int i = 0; i < threads; ++i) store_->enroll(host("c" + std::to_string(i)), false);
    std::vector<std::vector<std::int64_t>> ids(threads);
    std::atomic<int> refused{0};
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i)
        workers.emplace_back([&, i] {
            for (int r = 0; r < rounds; ++r) {
                ids[i].push_back(
                    store_->record_appraisal(appraisal("c" + std::to_string(i), "trusted", 1000 + r), std::nullopt).id);
                try {
                    store_->record_appraisal(appraisal("ghost", "trusted", 1000 + r), std::nullopt);
                } catch (const StoreError&) { ++refused; }
            }
        });
    for (auto& w : workers) w.join();
    std::set<std::int64_t> distinct;
    for (const auto& list : ids) distinct.insert(list.begin(), list.end());
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(threads * rounds));
    EXPECT_EQ(refused.load(), threads * rounds);
    EXPECT_EQ(store_->appraisal_count(), threads * rounds);
    for (int i = 0; i < threads; ++i) {
        const auto kept = store_->appraisals("c" + std::to_string(i), rounds + 1);
        ASSERT_EQ(kept.size(), static_cast<std::size_t>(rounds));
        EXPECT_EQ(kept.front().checks.size(), 2u);
        EXPECT_EQ(store_->host("c" + std::to_string(i))->state, HostState::trusted);
    }
}

TEST_P(StoreContract, SilentHostBecomesUnreachableAndAnAppraisalBringsItBack) {
    auto& store = *store_;
    store.enroll(host("a", AttestMode::pull), false);  // every 7 s
    store.enroll(host("b", AttestMode::push), false);
    store.enroll(host("m", AttestMode::manual), false);
    store.record_appraisal(appraisal("a", "trusted", 1000), clock(1, 1));
    store.record_appraisal(appraisal("b", "trusted", 5000), clock(1, 1));
    EXPECT_EQ(store.mark_silent_hosts_unreachable(15000, 2, 0), Ids{});  // a at the limit: not silent
    EXPECT_EQ(store.mark_silent_hosts_unreachable(15001, 2, 0), Ids{"a"});
    EXPECT_EQ(store.host("a")->state, HostState::unreachable);
    EXPECT_EQ(store.host("b")->state, HostState::trusted);
    EXPECT_EQ(store.mark_silent_hosts_unreachable(19001, 2, 0), Ids{"b"});  // a already
    store.record_failed_attempt("a", 20000, "cannot reach the agent");
    EXPECT_EQ(store.host("a")->last_error, "cannot reach the agent");
    EXPECT_EQ(store.host("a")->state, HostState::unreachable);
    store.record_appraisal(appraisal("a", "trusted", 21000), clock(2, 1));
    EXPECT_EQ(store.host("a")->state, HostState::trusted);
    EXPECT_TRUE(store.host("a")->last_error.empty());
    // Silence counts only while the verifier watches, from enrolment for a
    // host never attested, and never for a manual host.
    EXPECT_EQ(store.mark_silent_hosts_unreachable(30'000, 2, 25'000), Ids{});
    EXPECT_EQ(store.mark_silent_hosts_unreachable(39'001, 2, 25'000), Ids{"a"});
    store.enroll(host("new"), false);
    EXPECT_EQ(store.mark_silent_hosts_unreachable(now_ms(), 2, 0), Ids{});
    EXPECT_EQ(store.mark_silent_hosts_unreachable(now_ms() + 60'000, 2, 0), Ids{"new"});
    EXPECT_EQ(store.host("m")->state, HostState::pending);
}

TEST_P(StoreContract, DueHostsAreClaimedOnceAmongInstances) {
    auto& a = *store_;
    auto b = another();
    for (int i = 0; i < 6; ++i) a.enroll(host("pull-" + std::to_string(i)), false);
    a.enroll(host("push", AttestMode::push), false);
    a.enroll(host("manual", AttestMode::manual), false);
    const auto now = now_ms() + 1;
    a.heartbeat("A", now);
    b->heartbeat("B", now);
    EXPECT_EQ((Ids{"A", "B"}), a.live_instances(now - 2000));
    auto first = a.claim_due_hosts("A", now, 30'000, now - 2000, 4);
    auto second = b->claim_due_hosts("B", now, 30'000, now - 2000, 10);
    EXPECT_EQ(first.size(), 4u);
    EXPECT_EQ(second.size(), 2u);  // only pull hosts, and none of A's
    std::set<std::string> all;
    for (const auto& h : first) all.insert(h.record.host_id);
    for (const auto& h : second) all.insert(h.record.host_id);
    EXPECT_EQ(all.size(), 6u);
    EXPECT_EQ(first[0].record.ak_public, Bytes{4});  // the whole record, ready to pull
    EXPECT_TRUE(a.claim_due_hosts("A", now, 30'000, now - 2000, 10).empty());
    // A host not due yet is not claimed.
    a.enroll(host("later"), false);
    EXPECT_TRUE(b->claim_due_hosts("B", now - 60'000, 30'000, now - 62'000, 10).empty());
}

TEST_P(StoreContract, AResultIsKeptOnlyUnderItsLeaseAndSetsTheNextDueTime) {
    auto& a = *store_;
    auto b = another();
    a.enroll(host("h"), false);  // every 7 s
    const auto now = now_ms() + 1;
    a.heartbeat("A", now);
    b->heartbeat("B", now);
    ASSERT_EQ(ids(a.claim_due_hosts("A", now, 30'000, now - 2000, 1)), Ids{"h"});
    // B holds no lease on h: nothing of its result is kept.
    const Lease bs{"B", now + 7000};
    EXPECT_THROW(b->record_appraisal(appraisal("h", "trusted", now), clock(1, 1), &bs), LeaseLost);
    EXPECT_THROW(b->record_failed_attempt("h", now, "no agent", &bs), LeaseLost);
    EXPECT_EQ(a.appraisal_count(), 0);
    EXPECT_EQ(a.host("h")->state, HostState::pending);
    EXPECT_FALSE(a.host("h")->last_attempt);
    // A's is kept, with the next due time, and the lease is released.
    const Lease as{"A", now + 7000};
    a.record_appraisal(appraisal("h", "trusted", now), clock(1, 1), &as);
    EXPECT_EQ(a.appraisal_count(), 1);
    EXPECT_EQ(a.host("h")->next_due, now + 7000);
    EXPECT_THROW(a.record_appraisal(appraisal("h", "trusted", now), clock(2, 1), &as), LeaseLost);  // once
    EXPECT_TRUE(b->claim_due_hosts("B", now + 6999, 30'000, now - 2000, 1).empty());
    ASSERT_EQ(ids(b->claim_due_hosts("B", now + 7000, 30'000, now - 2000, 1)), Ids{"h"});
    const Lease next{"B", now + 14'000};
    b->record_failed_attempt("h", now + 7000, "cannot reach the agent", &next);
    EXPECT_EQ(a.host("h")->next_due, now + 14'000);
    EXPECT_EQ(a.host("h")->last_error, "cannot reach the agent");
}

TEST_P(StoreContract, ADeadInstancesHostsAreClaimedByTheOthers) {
    auto& a = *store_;
    auto b = another();
    a.enroll(host("h1"), false);
    a.enroll(host("h2"), false);
    const auto t = now_ms() + 1;
    a.heartbeat("A", t);
    b->heartbeat("B", t);
    ASSERT_EQ(a.claim_due_hosts("A", t, 30'000, t - 2000, 10).size(), 2u);
    // A is alive: its leases hold.
    b->heartbeat("B", t + 1500);
    EXPECT_TRUE(b->claim_due_hosts("B", t + 1500, 30'000, t + 1500 - 2000, 10).empty());
    // A's heartbeat stopped 2 s ago (killed): its leases are void.
    b->heartbeat("B", t + 2001);
    EXPECT_EQ(a.live_instances(t + 1), Ids{"B"});
    EXPECT_EQ(ids(b->claim_due_hosts("B", t + 2001, 30'000, t + 1, 10)), (Ids{"h1", "h2"}));
    // Had A only been slow, its late result is refused: one appraisal per round.
    const Lease late{"A", t + 9000};
    EXPECT_THROW(a.record_appraisal(appraisal("h1", "trusted", t + 2500), clock(1, 1), &late), LeaseLost);
    EXPECT_EQ(a.appraisal_count(), 0);
}

TEST_P(StoreContract, AnExpiredLeaseIsClaimedAgain) {
    auto& a = *store_;
    a.enroll(host("h", AttestMode::pull, 60), false);
    const auto t = now_ms() + 1;
    a.heartbeat("A", t);
    // At most the pull timeout (1 s, shorter than the interval) plus the margin.
    ASSERT_EQ(a.claim_due_hosts("A", t, 1000, t - 2000, 1).size(), 1u);
    const auto expiry = t + 1000 + lease_margin_ms;
    a.heartbeat("A", expiry);
    EXPECT_TRUE(a.claim_due_hosts("B", expiry, 1000, expiry - 2000, 1).empty());
    EXPECT_EQ(a.claim_due_hosts("B", expiry + 1, 1000, expiry - 2000, 1).size(), 1u);
}

TEST_P(StoreContract, LeavingReleasesTheInstancesLeases) {
    auto& a = *store_;
    a.enroll(host("h"), false);
    const auto t = now_ms() + 1;
    a.heartbeat("A", t);
    a.heartbeat("B", t);
    ASSERT_EQ(a.claim_due_hosts("A", t, 30'000, t - 2000, 1).size(), 1u);
    a.leave("A");
    EXPECT_EQ(a.live_instances(t - 2000), Ids{"B"});
    EXPECT_EQ(a.claim_due_hosts("B", t, 30'000, t - 2000, 1).size(), 1u);
}

TEST_P(StoreContract, InstancesSilentForADayAreForgotten) {
    const Millis day = 24 * 3600 * 1000;
    store_->heartbeat("killed", 1000);
    store_->heartbeat("alive", 1000 + day);
    EXPECT_EQ(store_->live_instances(0), (Ids{"alive", "killed"}));
    store_->heartbeat("alive", 1001 + day);
    EXPECT_EQ(store_->live_instances(0), Ids{"alive"});
}

TEST_P(StoreContract, ConcurrentClaimsNeverHandOutAHostTwice) {
    constexpr int hosts = 60;
    for (int i = 0; i < hosts; ++i) store_->enroll(host("h" + std::to_string(i)), false);
    const auto t = now_ms() + 1;
    std::vector<std::unique_ptr<FleetStore>> instances;
    std::vector<Ids> claimed(3);
    for (int i = 0; i < 3; ++i) {
        instances.push_back(another());
        instances.back()->heartbeat("I" + std::to_string(i), t);
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
        threads.emplace_back([&, i] {
            for (int round = 0; round < 30; ++round)
                for (const auto& h : instances[i]->claim_due_hosts("I" + std::to_string(i), t, 30'000, t - 2000, 2))
                    claimed[i].push_back(h.record.host_id);
        });
    for (auto& th : threads) th.join();
    std::multiset<std::string> all;
    for (const auto& c : claimed) all.insert(c.begin(), c.end());
    EXPECT_EQ(all.size(), static_cast<std::size_t>(hosts));  // every host, each once
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
}

// Push nonces: single use, for the host they were issued to, within their
// lifetime; a host asking again and again keeps only a few.
TEST_P(StoreContract, ANonceIsRedeemedOnceByTheHostItWasIssuedTo) {
    auto nonces = store_->nonce_store(std::chrono::seconds(60), 2);
    const auto a = nonces->issue("host-a");
    EXPECT_EQ(a.size(), NonceStore::nonce_bytes);
    EXPECT_EQ(nonces->redeem("host-a", a), NonceStore::Redemption::accepted);
    EXPECT_EQ(nonces->redeem("host-a", a), NonceStore::Redemption::unknown) << "replayed";
    EXPECT_EQ(nonces->redeem("host-a", Bytes(32, 7)), NonceStore::Redemption::unknown) << "never issued";
    const auto b = nonces->issue("host-b");
    EXPECT_EQ(nonces->redeem("host-a", b), NonceStore::Redemption::other_host);
    EXPECT_EQ(nonces->redeem("host-b", b), NonceStore::Redemption::unknown) << "burnt by the other host's attempt";
    const auto first = nonces->issue("host-a");
    nonces->issue("host-a");
    nonces->issue("host-a");
    EXPECT_EQ(nonces->redeem("host-a", first), NonceStore::Redemption::unknown) << "retired: two per host";
}

TEST_P(StoreContract, ANonceUnusedForItsLifetimeIsRefused) {
    auto nonces = store_->nonce_store(std::chrono::seconds(0), 4);
    const auto a = nonces->issue("host-a");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_NE(nonces->redeem("host-a", a), NonceStore::Redemption::accepted);
}

#ifdef KEEL_STORE_CONTRACT_POSTGRESQL
// Instances behind one address: the nonce one issued, another redeems, and
// of two instances redeeming the same nonce at once only one accepts it.
TEST_P(StoreContract, InstancesShareTheirNonces) {
    auto other = another();
    auto here = store_->nonce_store(std::chrono::seconds(60), 4),
         there = other->nonce_store(std::chrono::seconds(60), 4);
    const auto a = here->issue("host-a");
    EXPECT_EQ(there->redeem("host-a", a), NonceStore::Redemption::accepted);
    EXPECT_EQ(here->redeem("host-a", a), NonceStore::Redemption::unknown) << "used at the other instance";
    for (int round = 0; round < 20; ++round) {
        const auto n = here->issue("host-a");
        NonceStore::Redemption r1{}, r2{};
        std::thread t1([&] { r1 = here->redeem("host-a", n); });
        std::thread t2([&] { r2 = there->redeem("host-a", n); });
        t1.join();
        t2.join();
        EXPECT_EQ((r1 == NonceStore::Redemption::accepted) + (r2 == NonceStore::Redemption::accepted), 1)
            << "round " << round;
    }
}
#endif

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::Values(KEEL_STORE_CONTRACT_STORE),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace keel::verifierd
