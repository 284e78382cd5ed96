// The keel binary as a user runs it: exit status 0 (fine), 1 (a comparison
// failed) or 2 (bad input or usage, one line on stderr), and the key lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/replay.hpp"
#include "log_builder.hpp"
#include "run_command.hpp"
#include "testdata.hpp"

using namespace keel::eventlog;
using keel::test::CommandResult;
using keel::test::hash;
using keel::test::keel_data;
using keel::test::keel_drtm_log;
using keel::test::ScratchDir;
using nlohmann::json;

namespace {

CommandResult keel_cli(const std::vector<std::string>& args) { return keel::test::run_command(KEEL_CLI, args); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

std::string as_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

// A scratch directory holding the synthetic DRTM log and reference values that match it.
class Cli : public ::testing::Test {
protected:
    Cli() {
        const auto bytes = keel_drtm_log().build();
        log_path = scratch.write("drtm.log", as_string(bytes));
        const auto r = replay(parse(bytes));
        for (auto bank : {alg_sha1, alg_sha256, alg_sha384})
            for (const auto& [pcr, value] : r.pcrs.at(bank))
                pcrs[algorithm_name(bank)][std::to_string(pcr)] = to_hex(value);
        reference = {
            {"format", "keel-reference-values"}, {"version", 1}, {"components", json::array()}, {"pcrs", pcrs}};
        add_component("slb", 17, keel_ev_skinit, "");
        add_component("manifest", 18, keel_ev_launch_manifest, "policy v1");
        add_component("hypervisor", 17, keel_ev_component, "debug-exit=0xf4");
        add_component("guest", 19, keel_ev_component, "guest my-guest");
    }

    void add_component(const std::string& name, std::uint32_t pcr, EventType type, const std::string& detail) {
        const auto data = keel_data(name, detail);
        reference["components"].push_back(
            {{"index", reference["components"].size()},
             {"name", name},
             {"pcr", pcr},
             {"event_type", type},
             {"detail", detail},
             {"digests", {{"sha1", to_hex(hash(alg_sha1, data))}, {"sha256", to_hex(hash(alg_sha256, data))}}}});
    }

    std::string write_json(const std::string& name, const json& j) { return scratch.write(name, j.dump()).string(); }

    ScratchDir scratch;
    std::filesystem::path log_path;
    json pcrs;
    json reference;
};

// gtest_discover_tests names these eventlog.cli.<test>.
using cli = Cli;

TEST_F(cli, ShowsTheKeelEventsAndTheReplay) {
    const auto r = keel_cli({"eventlog", log_path.string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_TRUE(
        contains(r.out, "Event log: TCG crypto-agile (Spec ID Event03), 5 records, banks sha1, sha256, sha384"));
    EXPECT_TRUE(contains(r.out, "Event 3: PCR 17, KEEL_EV_COMPONENT (0x602)\n"));
    EXPECT_TRUE(contains(r.out, "  name \"hypervisor\", detail \"debug-exit=0xf4\"\n"));
    EXPECT_TRUE(contains(r.out, "  name \"slb\", no detail\n"));
    EXPECT_TRUE(contains(r.out, "  Spec ID Event03: sha1 (20 bytes), sha256 (32 bytes), sha384 (48 bytes)\n"));
    EXPECT_TRUE(contains(r.out, "    PCR 17  " + pcrs["sha256"]["17"].get<std::string>() + "\n"));
}

TEST_F(cli, PrintsJson) {
    const auto r = keel_cli({"eventlog", "--json", log_path.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["format"], "crypto-agile");
    EXPECT_EQ(doc["pcrs"], pcrs);
    ASSERT_EQ(doc["events"].size(), 5u);
    EXPECT_EQ(doc["events"][3]["type_name"], "KEEL_EV_COMPONENT");
    EXPECT_EQ(doc["events"][3]["keel"]["name"], "hypervisor");
    EXPECT_EQ(doc["events"][3]["keel"]["detail"], "debug-exit=0xf4");
    EXPECT_EQ(doc["events"][3]["digests"]["sha256"],
              to_hex(hash(alg_sha256, keel_data("hypervisor", "debug-exit=0xf4"))));
}

TEST_F(cli, MatchingReferenceValuesExitZero) {
    const auto r = keel_cli({"eventlog", log_path.string(), "--reference", write_json("ref.json", reference)});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "  slb (PCR 17): ok\n"));
    EXPECT_TRUE(contains(r.out, "  hypervisor (PCR 17): ok\n"));
    EXPECT_TRUE(contains(r.out, "  sha256 PCR 19: ok\n"));
    EXPECT_TRUE(contains(r.out, "Result: everything matches\n"));
}

TEST_F(cli, ADifferentDigestExitsOneNamingComponentAndDigests) {
    const std::string wrong(64, 'a');
    const auto expected = reference["components"][2]["digests"]["sha256"].get<std::string>();
    reference["components"][2]["digests"]["sha256"] = wrong;
    const auto r = keel_cli({"eventlog", log_path.string(), "--reference", write_json("ref.json", reference)});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.out, "  hypervisor (PCR 17): sha256 digest differs: reference " + wrong + ", event log " +
                                    expected + "\n"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "  slb (PCR 17): ok\n"));
    EXPECT_TRUE(contains(r.out, "Result: MISMATCH\n"));
}

// A digest named twice, the wrong one last: nlohmann::json alone would
// keep the last and report a mismatch, a reader keeping the first a match.
// Neither: the file is bad input.
TEST_F(cli, ARepeatedMemberInReferenceOrPcrValuesIsBadInput) {
    auto text = reference.dump();
    const std::string right =
        "\"sha256\":\"" + reference["components"][0]["digests"]["sha256"].get<std::string>() + "\"";
    ASSERT_NE(text.find(right), std::string::npos) << text;
    text.insert(text.find(right) + right.size(), ",\"sha256\":\"" + std::string(64, 'a') + "\"");
    auto r = keel_cli({"eventlog", log_path.string(), "--reference", scratch.write("twice.json", text).string()});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "reference values: member \"sha256\" appears twice in \"components[0].digests\""))
        << r.err;
    r = keel_cli({"eventlog", log_path.string(), "--pcrs",
                  scratch.write("pcrs.json", R"({"sha256": {"17": "00", "17": "01"}})").string()});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "PCR values: member \"17\" appears twice in \"sha256\"")) << r.err;
}

TEST_F(cli, AMissingOrExtraComponentExitsOne) {
    auto missing = reference;
    missing["components"].push_back(missing["components"][3]);
    missing["components"][4]["index"] = 4;
    missing["components"][4]["name"] = "second-guest";
    auto r = keel_cli({"eventlog", log_path.string(), "--reference", write_json("missing.json", missing)});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.out, "second-guest (PCR 19): missing from the event log")) << r.out;

    auto extra = reference;
    extra["components"].erase(3);
    r = keel_cli({"eventlog", log_path.string(), "--reference", write_json("extra.json", extra)});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.out, "\"guest\" is not in the reference values")) << r.out;
}

TEST_F(cli, PcrValuesAreComparedWithTheReplay) {
    auto r = keel_cli({"eventlog", log_path.string(), "--pcrs", write_json("pcrs.json", pcrs)});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "  sha384 PCR 18: ok\n"));

    auto wrong = pcrs;
    wrong["sha256"]["18"] = std::string(64, '0');
    r = keel_cli({"eventlog", log_path.string(), "--pcrs", write_json("wrong.json", wrong)});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.out, "  sha256 PCR 18: expected " + std::string(64, '0') + ", event log replays to " +
                                    pcrs["sha256"]["18"].get<std::string>() + "\n"))
        << r.out;

    r = keel_cli({"eventlog", "--json", log_path.string(), "--pcrs", write_json("wrong.json", wrong)});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(json::parse(r.out)["pcr_check"]["ok"], false);
}

TEST_F(cli, AMalformedLogExitsTwoWithOneLine) {
    auto bytes = keel_drtm_log().build();
    bytes.resize(bytes.size() - 1);
    const auto path = scratch.write("cut.log", as_string(bytes)).string();
    const auto r = keel_cli({"eventlog", path});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_TRUE(contains(r.err, "keel eventlog: " + path + ": malformed event log: record 4, byte offset ")) << r.err;
}

TEST_F(cli, BadInputAndUsageExitTwo) {
    const std::vector<std::vector<std::string>> cases = {
        {"eventlog", (scratch.path() / "absent.log").string()},
        {"eventlog", scratch.path().string()},
        {"eventlog", scratch.write("empty.log", "").string()},
        {"eventlog", log_path.string(), "--reference", scratch.write("bad.json", "{").string()},
        {"eventlog", log_path.string(), "--reference", write_json("v2.json", {{"format", "keel-reference-values"}})},
        {"eventlog", log_path.string(), "--pcrs", write_json("p.json", {{"sha256", {{"99", "00"}}}})},
        {"eventlog", log_path.string(), "--no-such-option"},
        {"eventlog"},
        {},
        {"no-such-command"},
    };
    for (const auto& args : cases) {
        const auto r = keel_cli(args);
        std::string joined;
        for (const auto& a : args) joined += a + " ";
        EXPECT_EQ(r.status, 2) << joined << "\n" << r.err;
        EXPECT_EQ(lines(r.err), 1u) << joined << "\n" << r.err;
        EXPECT_TRUE(contains(r.err, "keel")) << r.err;
    }
}

TEST_F(cli, AnUnknownSubcommandIsNamedWithTheKnownOnes) {
    const auto r = keel_cli({"verif", "-u", "ak.pem"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "keel: unknown subcommand \"verif\" (subcommands: eventlog, measure, enroll, verify, ear, reference; see "
              "keel --help)\n");
}

TEST_F(cli, HelpExitsZero) {
    const auto r = keel_cli({"eventlog", "--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(contains(r.out, "--reference"));
    // Only the named subcommand is built for a run; the tool's help lists them all.
    const auto all = keel_cli({"--help"});
    EXPECT_EQ(all.status, 0);
    for (const char* name : {"eventlog", "measure", "enroll", "verify"}) {
        EXPECT_TRUE(contains(all.out, name)) << name;
        // main.cpp's table of names must match the names the commands register.
        const auto help = keel_cli({name, "--help"});
        EXPECT_EQ(help.status, 0) << name;
        EXPECT_TRUE(contains(help.out, std::string("Usage: keel ") + name + " ")) << help.out;
    }
}

TEST_F(cli, ReadsARealTxtLogWithItsFiller) {
    const auto path = keel::test::repo_eventlog_data() / "intel-secl-txt-logs.bin";
    const auto r = keel_cli({"eventlog", path.string()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "Ignored 6558 filler bytes (0x00) from byte offset 1634 on."));
    EXPECT_TRUE(contains(r.out, "TXT_EV_HASH_START (0x402)"));
    EXPECT_TRUE(contains(r.out, "sha1 PCR 17 cannot match the TPM: some of its events carry no sha1 digest."));
}

}  // namespace
