// The hypervisor's DRTM log replay (hypervisor/tpm/drtm_log_replay): the
// check behind "dynamic launch confirmed". Logs are written with the secure
// loader's own writer and the expected PCRs computed with OpenSSL, so the
// two SHA implementations check each other.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "hypervisor/tpm/drtm_log_replay.hpp"
#include "hypervisor/tpm/event_log_writer.hpp"

using namespace keel;
using namespace keel::tpm;

namespace {

constexpr uint16_t SHA1 = 0x0004, SHA256 = 0x000b, SHA384 = 0x000c, SM3 = 0x0012;

std::vector<uint8_t> openssl_hash(uint16_t alg, const std::vector<uint8_t>& data) {
    const EVP_MD* md = alg == SHA1 ? EVP_sha1() : alg == SHA256 ? EVP_sha256() : EVP_sha384();
    std::vector<uint8_t> out(EVP_MD_get_size(md));
    unsigned n = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr);
    return out;
}

size_t size_of(uint16_t alg) { return alg == SHA1 ? 20 : alg == SHA256 ? 32 : 48; }

struct Event {
    uint32_t pcr;
    uint32_t type;
    std::string text;  // digest = H(text) in every bank
};

std::vector<uint8_t> write_log(const std::vector<uint16_t>& algs, const std::vector<Event>& events) {
    std::vector<uint8_t> buf(8192);
    std::vector<size_t> sizes;
    for (auto a : algs) sizes.push_back(size_of(a));
    EventLogWriter w;
    EXPECT_EQ(w.init(buf.data(), buf.size(), algs.data(), sizes.data(), algs.size()), Status::Ok);
    for (const auto& e : events) {
        DigestList d{};
        d.count = algs.size();
        for (size_t i = 0; i < algs.size(); ++i) {
            d.digests[i].alg = algs[i];
            auto h = openssl_hash(algs[i], {e.text.begin(), e.text.end()});
            std::copy(h.begin(), h.end(), d.digests[i].bytes);
        }
        EXPECT_EQ(w.append(e.pcr, e.type, d, reinterpret_cast<const uint8_t*>(e.text.data()), e.text.size()),
                  Status::Ok);
    }
    buf.resize(w.size());
    return buf;
}

// PCR `pcr` after `events`, from zeros, computed with OpenSSL.
std::vector<uint8_t> expected(uint16_t alg, uint32_t pcr, const std::vector<Event>& events) {
    std::vector<uint8_t> value(size_of(alg), 0);
    for (const auto& e : events) {
        if (e.pcr != pcr || e.type == 3) continue;
        auto h = openssl_hash(alg, {e.text.begin(), e.text.end()});
        value.insert(value.end(), h.begin(), h.end());
        value = openssl_hash(alg, value);
    }
    return value;
}

const std::vector<Event> LAUNCH = {
    {17, 0x600, "slb"},      {17, 0x602, "slb-loader"}, {17, 0x602, "hypervisor"},
    {18, 0x601, "manifest"}, {19, 0x602, "guest"},      {20, 3, "informational"},
};

// Offset of the first TCG_PCR_EVENT2 record in a log written for `banks` banks.
size_t first_event(size_t banks) { return 32 + 16 + 4 + 4 + 4 + 4 * banks + 1; }

}  // namespace

TEST(DrtmLogReplay, ReplaysEveryBankFromZeros) {
    std::vector<uint16_t> algs = {SHA1, SHA256, SHA384};
    auto log = write_log(algs, LAUNCH);
    DrtmReplay r;
    ASSERT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Ok) << r.error;
    EXPECT_EQ(r.bank_count, 3u);
    EXPECT_EQ(r.events, 5u);  // the EV_NO_ACTION event extends nothing
    for (auto alg : algs)
        for (uint32_t pcr = 17; pcr <= 22; ++pcr) {
            const ReplayedBank* b = r.bank(alg);
            ASSERT_NE(b, nullptr);
            std::vector<uint8_t> got(b->pcrs[pcr - 17], b->pcrs[pcr - 17] + b->size);
            EXPECT_EQ(got, expected(alg, pcr, LAUNCH)) << "alg " << alg << " PCR " << pcr;
        }
}

TEST(DrtmLogReplay, AnEmptyLogLeavesTheResetValues) {
    auto log = write_log({SHA256}, {});
    DrtmReplay r;
    ASSERT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Ok);
    EXPECT_EQ(r.events, 0u);
    EXPECT_EQ(std::vector<uint8_t>(r.banks[0].pcrs[0], r.banks[0].pcrs[0] + 32), std::vector<uint8_t>(32, 0));
}

TEST(DrtmLogReplay, RefusesAnEventOutsidePcr17To22) {
    // Its start value is not the locality-4 reset's: nothing to replay it from.
    for (uint32_t pcr : {0u, 16u, 23u}) {
        auto log = write_log({SHA256}, {{17, 0x600, "slb"}, {pcr, 0x602, "elsewhere"}});
        DrtmReplay r;
        EXPECT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Malformed) << pcr;
        EXPECT_STREQ(r.error, "an event extends a PCR outside 17-22");
    }
}

TEST(DrtmLogReplay, RefusesAnEventWithoutEveryBanksDigest) {
    auto log = write_log({SHA1, SHA256}, {{17, 0x600, "slb"}});
    // Claim one digest only: the SHA-256 digest's bytes then read as the event size.
    size_t count_at = first_event(2) + 8;
    log[count_at] = 1;
    DrtmReplay r;
    EXPECT_NE(replay_drtm_log(log.data(), log.size(), r), Status::Ok);
    EXPECT_STREQ(r.error, "an event does not carry one digest per bank");
}

TEST(DrtmLogReplay, RefusesABanksDigestTwice) {
    auto log = write_log({SHA1, SHA256}, {{17, 0x600, "slb"}});
    // Rename the SHA-256 digest SHA-1: sizes now disagree with the bytes, but
    // the duplicate is found first.
    size_t second_alg = first_event(2) + 12 + 2 + 20;
    log[second_alg] = uint8_t(SHA1);
    DrtmReplay r;
    EXPECT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Malformed);
    EXPECT_STREQ(r.error, "an event carries a bank's digest twice");
}

TEST(DrtmLogReplay, RefusesADigestOfAnUndeclaredBank) {
    auto log = write_log({SHA256}, {{17, 0x600, "slb"}});
    log[first_event(1) + 12] = uint8_t(SHA1);
    DrtmReplay r;
    EXPECT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Malformed);
    EXPECT_STREQ(r.error, "an event carries a digest of an undeclared bank");
}

TEST(DrtmLogReplay, RefusesABankKeelCannotHash) {
    auto log = write_log({SHA256}, {});
    log[32 + 16 + 4 + 4 + 4] = uint8_t(SM3);  // the header's only algorithm
    DrtmReplay r;
    EXPECT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Malformed);
    EXPECT_STREQ(r.error, "the header declares a bank Keel cannot hash");
}

TEST(DrtmLogReplay, RefusesAHeaderThatIsNotSpecIdEvent03) {
    auto log = write_log({SHA256}, {});
    log[32] = 'X';
    DrtmReplay r;
    EXPECT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Malformed);
    log = write_log({SHA256}, {});
    log[4] = 1;  // not EV_NO_ACTION
    EXPECT_EQ(replay_drtm_log(log.data(), log.size(), r), Status::Malformed);
}

TEST(DrtmLogReplay, EveryTruncationIsAnErrorNeverAReadPastTheEnd) {
    auto log = write_log({SHA1, SHA256}, LAUNCH);
    std::vector<size_t> record_ends;  // cutting exactly between records leaves a valid, shorter log
    for (size_t n = 0; n < log.size(); ++n) {
        std::vector<uint8_t> cut(log.begin(), log.begin() + n);  // exact size: ASan sees any overread
        DrtmReplay r;
        Status s = replay_drtm_log(cut.data(), cut.size(), r);
        if (s == Status::Ok) record_ends.push_back(n);
    }
    EXPECT_EQ(record_ends.size(), LAUNCH.size());  // after the header and after each event but the last
}

TEST(DrtmLogReplay, RefusesMoreEventsThanTheLimit) {
    std::vector<Event> many(MAX_REPLAYED_EVENTS + 1, Event{17, 0x602, "x"});
    std::vector<uint8_t> buf(64 * 1024 * 4);
    size_t size = 32;
    uint16_t alg = SHA256;
    EventLogWriter w;
    ASSERT_EQ(w.init(buf.data(), buf.size(), &alg, &size, 1), Status::Ok);
    DigestList d{};
    d.count = 1;
    d.digests[0].alg = SHA256;
    for (size_t i = 0; i < many.size(); ++i) ASSERT_EQ(w.append(17, 0x602, d, nullptr, 0), Status::Ok);
    DrtmReplay r;
    EXPECT_EQ(replay_drtm_log(buf.data(), w.size(), r), Status::Malformed);
    EXPECT_STREQ(r.error, "the log has too many events");
}
