#include "attestation/eventlog/parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "attestation/eventlog/error.hpp"
#include "log_builder.hpp"

using namespace keel::eventlog;
using keel::test::bytes;
using keel::test::hash;
using keel::test::keel_data;
using keel::test::keel_drtm_log;
using keel::test::LogBuilder;

namespace {

// The ParseError a parse throws; fails the test if it succeeds.
ParseError parse_error(const Bytes& log) {
    try {
        parse(log);
    } catch (const ParseError& e) { return e; }
    ADD_FAILURE() << "the log parsed";
    return ParseError(0, 0, "");
}

std::string message(const Bytes& log) { return parse_error(log).what(); }

TEST(EventlogParser, ReadsAKeelDrtmLog) {
    const auto log = parse(keel_drtm_log().build());
    EXPECT_EQ(log.format, Format::crypto_agile);
    ASSERT_TRUE(log.spec_id);
    EXPECT_EQ(log.spec_id->signature, "Spec ID Event03");
    ASSERT_EQ(log.algorithms.size(), 3u);
    EXPECT_EQ(log.algorithms[2].id, alg_sha384);
    EXPECT_EQ(log.algorithms[2].digest_size, 48);
    ASSERT_EQ(log.events.size(), 5u);
    EXPECT_EQ(log.events[0].type, ev_no_action);
    const auto& hv = log.events[3];
    EXPECT_EQ(hv.index, 3u);
    EXPECT_EQ(hv.pcr, 17u);
    EXPECT_EQ(hv.type, keel_ev_component);
    ASSERT_EQ(hv.digests.size(), 3u);
    EXPECT_EQ(hv.digest(alg_sha256)->value.size(), 32u);
    ASSERT_TRUE(hv.keel);
    EXPECT_EQ(hv.keel->name, "hypervisor");
    EXPECT_EQ(hv.keel->detail, "debug-exit=0xf4");
    EXPECT_TRUE(hv.problem.empty());
    EXPECT_EQ(log.events[1].keel->name, "slb");
    EXPECT_EQ(log.events[1].keel->detail, "");
    EXPECT_EQ(log.events[2].type, keel_ev_launch_manifest);
    EXPECT_EQ(log.padding_bytes, 0u);
}

TEST(EventlogParser, RecordsOffsetsOfEachRecord) {
    auto builder = keel_drtm_log();
    const auto log = parse(builder.build());
    const auto boundaries = builder.boundaries();
    for (std::size_t i = 0; i < log.events.size(); ++i) EXPECT_EQ(log.events[i].offset, boundaries[i]);
}

TEST(EventlogParser, ReportsMalformedKeelEventsWithoutFailingTheLog) {
    LogBuilder b;
    b.event(17, keel_ev_component, bytes("no-separator"))
        .event(17, keel_ev_component, keel_data("", "empty name"))
        .event(17, keel_ev_component, keel_data("two", std::string("nul\0s", 5)))
        .event(17, keel_ev_component, keel_data("bad\xff", "utf8"))
        .event(17, keel_ev_component, keel_data("over", "\xc0\xaf"))  // overlong '/'
        .event(17, keel_ev_skinit, {})
        .event(19, keel_ev_component, keel_data("caf\xc3\xa9", "ok"));
    const auto log = parse(b.build());
    ASSERT_EQ(log.events.size(), 8u);
    for (std::size_t i = 1; i <= 6; ++i) {
        EXPECT_FALSE(log.events[i].keel) << i;
        EXPECT_FALSE(log.events[i].problem.empty()) << i;
    }
    EXPECT_EQ(log.events[1].problem, "KEEL_EV_COMPONENT data has no NUL between name and detail");
    EXPECT_EQ(log.events[2].problem, "KEEL_EV_COMPONENT has an empty name");
    EXPECT_EQ(log.events[3].problem, "KEEL_EV_COMPONENT detail contains a NUL byte");
    EXPECT_EQ(log.events[4].problem, "KEEL_EV_COMPONENT name is not valid UTF-8");
    EXPECT_EQ(log.events[5].problem, "KEEL_EV_COMPONENT detail is not valid UTF-8");
    EXPECT_EQ(log.events[6].problem, "KEEL_EV_SKINIT data has no NUL between name and detail");
    ASSERT_TRUE(log.events[7].keel);
    EXPECT_EQ(log.events[7].keel->name, "caf\xc3\xa9");
}

TEST(EventlogParser, EveryTruncationIsAnErrorUnlessItEndsOnARecordBoundary) {
    auto builder = keel_drtm_log();
    const auto full = builder.build();
    const auto boundaries = builder.boundaries();
    for (std::size_t len = 0; len < full.size(); ++len) {
        const Bytes cut(full.begin(), full.begin() + len);
        const bool boundary = std::find(boundaries.begin(), boundaries.end(), len) != boundaries.end();
        if (boundary && len > 0) {
            EXPECT_NO_THROW(parse(cut)) << len;
        } else {
            EXPECT_THROW(parse(cut), ParseError) << len;
        }
    }
}

TEST(EventlogParser, TruncationMessagesNameRecordAndOffset) {
    const auto full = keel_drtm_log().build();
    const Bytes cut(full.begin(), full.end() - 3);
    const std::size_t data_size = keel_data("guest", "guest my-guest").size();  // the last record's data
    const auto e = parse_error(cut);
    EXPECT_EQ(e.record(), 4u);
    EXPECT_EQ(e.offset(), full.size() - data_size);
    EXPECT_EQ(std::string(e.what()), "record 4, byte offset " + std::to_string(full.size() - data_size) +
                                         ": truncated event data: needs " + std::to_string(data_size) + " bytes, " +
                                         std::to_string(data_size - 3) + " left");
}

TEST(EventlogParser, RejectsAnUnknownSpecIdVersion) {
    const auto log = keel_drtm_log(LogBuilder::drtm_banks()).build();
    Bytes bad = log;
    bad[32 + 14] = '4';  // "Spec ID Event04"
    EXPECT_EQ(message(bad), "record 0, byte offset 32: unknown Spec ID signature \"Spec ID Event04.\" (expected "
                            "\"Spec ID Event03\")");
}

TEST(EventlogParser, AGarbledSpecIdSignatureIsNotReadAsAValidLog) {
    Bytes bad = keel_drtm_log().build();
    bad[32] = 'X';  // no longer a Spec ID header: the records that follow do not parse as SHA-1 records
    EXPECT_THROW(parse(bad), ParseError);
}

TEST(EventlogParser, RejectsASpecIdHeaderOutsidePcr0OrWithADigest) {
    Bytes bad = keel_drtm_log().build();
    bad[0] = 1;
    EXPECT_EQ(message(bad), "record 0, byte offset 0: the Spec ID event must be in PCR 0 with an all-zero digest");
    bad = keel_drtm_log().build();
    bad[8] = 1;
    EXPECT_THROW(parse(bad), ParseError);
}

TEST(EventlogParser, RejectsBadSpecIdAlgorithmLists) {
    EXPECT_NE(message(LogBuilder(std::vector<AlgorithmSpec>{}).build())
                  .find("Spec ID algorithm count 0 is not between 1 and 16"),
              std::string::npos);
    EXPECT_NE(message(LogBuilder({{alg_sha256, 20}}).build()).find("Spec ID declares sha256 with 20-byte digests"),
              std::string::npos);
    EXPECT_NE(message(LogBuilder({{alg_sha1, 20}, {alg_sha1, 20}}).build()).find("Spec ID lists sha1 twice"),
              std::string::npos);
    EXPECT_NE(message(LogBuilder({{0x1234, 65}}).build()).find("Spec ID digest size 65 of 0x1234"), std::string::npos);
}

TEST(EventlogParser, RejectsADigestCountAboveTheDeclaredAlgorithms) {
    LogBuilder b({{alg_sha256, 32}});
    b.event(17, keel_ev_component, {{alg_sha256, Bytes(32)}, {alg_sha256, Bytes(32)}}, keel_data("x", ""));
    const auto e = parse_error(b.build());
    EXPECT_EQ(e.record(), 1u);
    EXPECT_NE(std::string(e.what()).find("digest count 2 exceeds the 1 algorithms the Spec ID event declares"),
              std::string::npos);
}

TEST(EventlogParser, RejectsAnAlgorithmTheSpecIdDoesNotDeclare) {
    LogBuilder b({{alg_sha1, 20}, {alg_sha256, 32}});
    b.event(17, keel_ev_component, {{alg_sha384, Bytes(48)}}, keel_data("x", ""));
    EXPECT_NE(message(b.build()).find("digest algorithm sha384 is not declared in the Spec ID event"),
              std::string::npos);
}

TEST(EventlogParser, RejectsTwoDigestsOfOneAlgorithm) {
    LogBuilder b({{alg_sha1, 20}, {alg_sha256, 32}});
    b.event(17, keel_ev_component, {{alg_sha1, Bytes(20)}, {alg_sha1, Bytes(20)}}, keel_data("x", ""));
    EXPECT_NE(message(b.build()).find("a second sha1 digest in one event"), std::string::npos);
}

TEST(EventlogParser, ParsesDigestsOfDeclaredButUnknownAlgorithms) {
    LogBuilder b({{alg_sha256, 32}, {0x1234, 40}});
    b.event(17, keel_ev_component, {{alg_sha256, Bytes(32, 1)}, {0x1234, Bytes(40, 2)}}, keel_data("x", ""));
    const auto log = parse(b.build());
    ASSERT_EQ(log.events.size(), 2u);
    const auto value = log.events[1].digest(0x1234)->value;
    EXPECT_EQ(Bytes(value.begin(), value.end()), Bytes(40, 2));
}

// Events point into the log's storage, which copies share: a copy stays
// whole after the parsed original is gone.
TEST(EventlogParser, CopyOfALogOutlivesTheOriginal) {
    std::optional<EventLog> original = parse(keel_drtm_log().build());
    const EventLog copy = *original;
    original.reset();
    const auto& hv = copy.events[3];
    ASSERT_EQ(hv.digests.size(), 3u);
    const auto value = hv.digest(alg_sha256)->value;
    EXPECT_EQ(Bytes(value.begin(), value.end()), hash(alg_sha256, keel_data("hypervisor", "debug-exit=0xf4")));
    EXPECT_EQ(std::string(hv.data.begin(), hv.data.end()), std::string("hypervisor\0debug-exit=0xf4", 26));
}

TEST(EventlogParser, AcceptsFewerDigestsThanBanks) {
    // tboot logs its own measurements with a SHA-256 digest only.
    LogBuilder b({{alg_sha1, 20}, {alg_sha256, 32}});
    b.event(17, 0x501, {{alg_sha256, Bytes(32, 7)}}, bytes("tboot"));
    const auto log = parse(b.build());
    EXPECT_EQ(log.events[1].digests.size(), 1u);
    EXPECT_EQ(log.events[1].digest(alg_sha1), nullptr);
}

TEST(EventlogParser, RejectsHugeEventSizes) {
    for (std::uint32_t size : {0xFFFFFFFFu, static_cast<std::uint32_t>(max_event_data + 1)}) {
        Bytes log = LogBuilder({{alg_sha256, 32}}).build();
        keel::test::put_u32(log, 17);
        keel::test::put_u32(log, keel_ev_component);
        keel::test::put_u32(log, 1);
        keel::test::put_u16(log, alg_sha256);
        keel::test::put(log, Bytes(32));
        const auto size_at = log.size();
        keel::test::put_u32(log, size);
        keel::test::put(log, bytes("tiny"));
        const auto e = parse_error(log);
        EXPECT_EQ(e.offset(), size_at);
        EXPECT_NE(std::string(e.what()).find("exceeds the limit of 16777216 bytes"), std::string::npos) << e.what();
    }
}

TEST(EventlogParser, RejectsPcrIndicesBeyondTheTpmsButNotForNoActionEvents) {
    LogBuilder b({{alg_sha256, 32}});
    b.event(32, keel_ev_component, keel_data("x", ""));
    EXPECT_NE(message(b.build()).find("PCR index 32 is out of range (0-31)"), std::string::npos);
    // Windows logs EV_NO_ACTION events in "PCR -1".
    LogBuilder w({{alg_sha256, 32}});
    w.event(0xFFFFFFFF, ev_no_action, bytes("Windows AIK"));
    EXPECT_EQ(parse(w.build()).events[1].pcr, 0xFFFFFFFFu);
}

TEST(EventlogParser, StopsAtZeroOrFfFiller) {
    for (std::uint8_t fill : {0x00, 0xFF}) {
        auto b = keel_drtm_log();
        const auto end = b.build().size();
        b.raw(Bytes(4096, fill));
        const auto log = parse(b.build());
        EXPECT_EQ(log.events.size(), 5u);
        EXPECT_EQ(log.padding_offset, end);
        EXPECT_EQ(log.padding_bytes, 4096u);
        EXPECT_EQ(log.padding_value, fill);
    }
}

TEST(EventlogParser, RejectsTrailingBytesThatAreNotFiller) {
    auto b = keel_drtm_log();
    b.raw(Bytes(64, 0)).raw({1});
    EXPECT_THROW(parse(b.build()), ParseError);
    // Fewer filler bytes than a record's PCR and type fields: a cut-off record.
    auto c = keel_drtm_log();
    c.raw(Bytes(min_padding_bytes - 1, 0));
    EXPECT_NE(message(c.build()).find("record 5"), std::string::npos);
}

TEST(EventlogParser, RejectsEmptyAndAllFillerInput) {
    EXPECT_EQ(message({}), "record 0, byte offset 0: the event log is empty");
    EXPECT_NE(message(Bytes(100, 0)).find("only filler bytes"), std::string::npos);
    EXPECT_NE(message(Bytes(100, 0xFF)).find("only filler bytes"), std::string::npos);
}

TEST(EventlogParser, RejectsLogsBeyondTheSizeLimit) {
    Bytes huge(max_log_bytes + 1, 0x11);
    EXPECT_NE(message(huge).find("more than the limit"), std::string::npos);
}

TEST(EventlogParser, ReadsSha1LegacyLogs) {
    auto b = LogBuilder::sha1_log();
    b.sha1_event(0, 8, bytes("1.02")).sha1_event(4, ev_separator, Bytes(4, 0));
    const auto log = parse(b.build());
    EXPECT_EQ(log.format, Format::sha1_legacy);
    EXPECT_FALSE(log.spec_id);
    ASSERT_EQ(log.algorithms.size(), 1u);
    EXPECT_EQ(log.algorithms[0].id, alg_sha1);
    ASSERT_EQ(log.events.size(), 2u);
    EXPECT_EQ(log.events[1].pcr, 4u);
    EXPECT_EQ(log.events[1].digest(alg_sha1)->value.size(), 20u);
}

TEST(EventlogParser, ReadsTheStartupLocality) {
    LogBuilder b({{alg_sha256, 32}});
    Bytes locality = bytes(std::string("StartupLocality\0", 16));
    locality.push_back(3);
    b.event(0, ev_no_action, {{alg_sha256, Bytes(32)}}, locality);
    Bytes short_locality = bytes(std::string("StartupLocality\0", 16));
    b.event(0, ev_no_action, {{alg_sha256, Bytes(32)}}, short_locality);
    const auto log = parse(b.build());
    EXPECT_EQ(log.events[1].startup_locality, 3);
    EXPECT_FALSE(log.events[2].startup_locality);
    EXPECT_EQ(log.events[2].problem, "StartupLocality event data is 16 bytes, expected 17");
}

}  // namespace
