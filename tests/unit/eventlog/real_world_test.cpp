// Logs captured on real machines by other projects must parse and replay to
// the values recorded for them; the broken ones must be rejected.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/replay.hpp"
#include "testdata.hpp"

using namespace keel::eventlog;
using keel::test::hex_pcrs;
using keel::test::read_file;
using keel::test::read_json;
using nlohmann::json;

namespace {

// Files of the collection that must be rejected, and why.
const std::map<std::string, std::string> must_reject = {
    {"intel-secl/pkg/tagent/test/eventlog/incomplete_tcg_spec_event.bin", "28 bytes, cut inside the first record"},
    {"keylime/test/data/create-mb-policy/binary_bios_measurements-bogus", "ASCII text"},
    // Its Spec ID event says 37 bytes but the vendor info runs 4 bytes past
    // them; tpm2_eventlog reads on past the event, Keel does not guess.
    {"tpm2-tools/test/integration/fixtures/specid-vendordata.bin", "Spec ID vendor info beyond the event"},
};

std::string format_name(Format f) { return f == Format::crypto_agile ? "crypto-agile" : "sha1-legacy"; }

void expect_replays_to(const std::filesystem::path& file, const std::string& format, std::size_t events,
                       const json& pcrs) {
    SCOPED_TRACE(file.string());
    try {
        const auto log = parse(read_file(file));
        EXPECT_EQ(format_name(log.format), format);
        EXPECT_EQ(log.events.size(), events);
        EXPECT_EQ(hex_pcrs(replay(log)), pcrs);
    } catch (const ParseError& e) { ADD_FAILURE() << "rejected: " << e.what(); }
}

TEST(RealWorld, RepositoryCopiesReplayToTheRecordedValues) {
    const auto dir = keel::test::repo_eventlog_data();
    const auto expected = read_json(dir / "expected.json");
    ASSERT_GE(expected.size(), 9u);
    for (const auto& [name, e] : expected.items()) {
        if (e.contains("reject")) {
            EXPECT_THROW(parse(read_file(dir / name)), ParseError) << name << ": " << e["reject"];
            continue;
        }
        expect_replays_to(dir / name, e["format"], e["events"], e["pcrs"]);
    }
}

TEST(RealWorld, EveryCollectedLogReplaysToTheReferenceReplay) {
    const auto dir = keel::test::real_world_data();
    if (dir.empty()) GTEST_SKIP() << "no real-world collection at " << keel::test::real_world_root();
    std::size_t replayed = 0, rejected = 0;
    const auto reference = read_json(dir / "REFERENCE_REPLAY.json");
    for (const auto& [name, e] : reference.items()) {
        if (must_reject.count(name)) {
            EXPECT_THROW(parse(read_file(dir / name)), ParseError) << name;
            ++rejected;
            continue;
        }
        ASSERT_TRUE(e.contains("reference_replayed_pcrs")) << name << " has no recorded replay";
        expect_replays_to(dir / name, e["reference_format"], e["reference_events"], e["reference_replayed_pcrs"]);
        ++replayed;
    }
    EXPECT_EQ(rejected, must_reject.size());
    EXPECT_GE(replayed, 58u);
}

// Values the upstream projects' own tests assert (or a signed quote shows).
TEST(RealWorld, ReplaysMatchUpstreamExpectations) {
    const auto dir = keel::test::real_world_data();
    if (dir.empty()) GTEST_SKIP() << "no real-world collection at " << keel::test::real_world_root();
    auto replayed = [&](const std::string& file) { return hex_pcrs(replay(parse(read_file(dir / file)))); };

    const std::string gtt = "go-tpm-tools/internal/test/eventlogs/";
    const auto upstream = read_json(dir / (gtt + "EXPECTED_PCRS.json"));
    EXPECT_EQ(upstream.size(), 14u);
    for (const auto& [file, e] : upstream.items()) {
        const auto got = replayed(gtt + file);
        for (const auto& [bank, pcrs] : e["expected_pcrs"].items())
            for (const auto& [pcr, value] : pcrs.items())
                EXPECT_EQ(got[bank][pcr], value) << file << " " << bank << pcr;
    }

    const std::string hirs = "hirs/HIRS_Utils/src/test/resources/tcgeventlog/";
    for (auto [log, values, bank] : {std::tuple{"TpmLog.bin", "TpmLogExpectedPcrs.txt", "sha256"},
                                     std::tuple{"TpmLogSHA1.bin", "TpmLogSHA1ExpectedPcrs.txt", "sha1"}}) {
        const auto got = replayed(hirs + log);
        std::ifstream in(dir / (hirs + values));
        std::string line;
        for (int pcr = 0; std::getline(in, line) && pcr < 8; ++pcr) EXPECT_EQ(got[bank][std::to_string(pcr)], line);
    }
    // The altered copy parses but must not replay to the original's PCRs 0 and 1.
    const auto altered = replayed("hirs/tools/tcg_rim_tool/src/test/resources/TPMLog_Altered.bin");
    const auto original = replayed(hirs + "TpmLog.bin");
    EXPECT_NE(altered["sha256"]["0"], original["sha256"]["0"]);
    EXPECT_NE(altered["sha256"]["1"], original["sha256"]["1"]);
    EXPECT_EQ(altered["sha256"]["2"], original["sha256"]["2"]);

    // H-CRTM: tpm2-tss's fapi-eventlog test.
    EXPECT_EQ(replayed("tpm2-tss/test/data/fapi/eventlog/binary_measurements_hcrtm.bin")["sha1"]["0"],
              "15f4e6ca457d1af6bc49511a93ba3500ad69acc5");
    // TXT DRTM log: SHA-256 PCR 18 equals PCR 18 of a quote signed on the same platform.
    EXPECT_EQ(replayed("intel-secl/pkg/tagent/test/eventlog/txt-logs.bin")["sha256"]["18"],
              "ad82584b09f51b928d15168785a0f7a2ff82d2da1520e57534dff391cb4aeb95");
    // Firmware that forgot its "Exit Boot Services" events: a strict replay
    // must not reach the PCR 5 the machine reported (go-attestation needs a
    // workaround for it; Keel has none).
    EXPECT_NE(replayed("go-attestation/attest/testdata/ebs_event_missing_eventlog")["sha1"]["5"],
              "31245808d6d35849bc394f6343f2b3ff908ed5e3");
}

}  // namespace
