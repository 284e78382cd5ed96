#include "attestation/eventlog/reference.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "attestation/eventlog/compare.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "log_builder.hpp"

using namespace keel::eventlog;
using keel::test::hash;
using keel::test::keel_data;
using keel::test::keel_drtm_log;
using nlohmann::json;

namespace {

json component(std::size_t index, const std::string& name, std::uint32_t pcr, EventType type,
               const std::string& detail) {
    const auto data = keel_data(name, detail);
    return {{"index", index},
            {"name", name},
            {"pcr", pcr},
            {"event_type", type},
            {"detail", detail},
            {"digests", {{"sha256", to_hex(hash(alg_sha256, data))}, {"sha1", to_hex(hash(alg_sha1, data))}}}};
}

// The reference values that keel_drtm_log() matches, as `keel measure` writes them.
json matching_reference() {
    const auto log = parse(keel_drtm_log().build());
    const auto r = replay(log);
    json pcrs;
    for (auto bank : {alg_sha1, alg_sha256})
        for (const auto& [pcr, value] : r.pcrs.at(bank))
            pcrs[algorithm_name(bank)][std::to_string(pcr)] = to_hex(value);
    return {{"format", "keel-reference-values"},
            {"version", 1},
            {"components",
             {component(0, "slb", 17, keel_ev_skinit, ""),
              component(1, "manifest", 18, keel_ev_launch_manifest, "policy v1"),
              component(2, "hypervisor", 17, keel_ev_component, "debug-exit=0xf4"),
              component(3, "guest", 19, keel_ev_component, "guest my-guest")}},
            {"pcrs", pcrs}};
}

std::string reference_error(const json& doc) {
    try {
        parse_reference_values(doc.dump());
    } catch (const ReferenceError& e) { return e.what(); }
    ADD_FAILURE() << "accepted " << doc.dump();
    return "";
}

ComponentReport compare(const json& doc) {
    return compare_components(parse(keel_drtm_log().build()), parse_reference_values(doc.dump()));
}

TEST(EventlogReference, ReadsWhatKeelMeasureWrites) {
    const auto ref = parse_reference_values(matching_reference().dump());
    ASSERT_EQ(ref.components.size(), 4u);
    EXPECT_EQ(ref.components[2].name, "hypervisor");
    EXPECT_EQ(ref.components[2].pcr, 17u);
    EXPECT_EQ(ref.components[2].event_type, keel_ev_component);
    EXPECT_EQ(ref.components[2].detail, "debug-exit=0xf4");
    EXPECT_EQ(ref.components[2].digests.at(alg_sha256), hash(alg_sha256, keel_data("hypervisor", "debug-exit=0xf4")));
    EXPECT_EQ(ref.pcrs.at(alg_sha256).size(), 3u);
}

TEST(EventlogReference, RejectsMalformedReferenceValues) {
    auto doc = matching_reference();
    EXPECT_NE(reference_error("[]").find("must be a JSON object"), std::string::npos);
    EXPECT_NE(reference_error(json{{"format", "x"}}).find("format: must be \"keel-reference-values\""),
              std::string::npos);
    auto d = doc;
    d["version"] = 2;
    EXPECT_NE(reference_error(d).find("unsupported version"), std::string::npos);
    d = doc;
    d["components"][1]["index"] = 5;
    EXPECT_EQ(reference_error(d), "components[1].index: is 5, expected 1 (components are listed in order)");
    d = doc;
    d["components"][0]["digests"]["sha256"] = "abcd";
    EXPECT_EQ(reference_error(d), "components[0].digests.sha256: must be 64 hex digits (a sha256 digest)");
    d = doc;
    d["components"][0]["digests"]["md5"] = "00";
    EXPECT_NE(reference_error(d).find("unknown bank \"md5\""), std::string::npos);
    d = doc;
    d["components"][0]["event_type"] = 4;
    EXPECT_NE(reference_error(d).find("is not a Keel event type"), std::string::npos);
    d = doc;
    d["components"][0].erase("detail");
    EXPECT_EQ(reference_error(d), "components[0]: member \"detail\" is missing");
    d = doc;
    d["components"][0]["pcr"] = -1;
    EXPECT_NE(reference_error(d).find("must be a non-negative integer"), std::string::npos);
    d = doc;
    d["pcrs"]["sha256"]["24x"] = std::string(64, '0');
    EXPECT_NE(reference_error(d).find("is not a PCR index"), std::string::npos);
    EXPECT_THROW(parse_reference_values("{not json"), ReferenceError);
}

// Text with `copy` inserted before the first `anchor`.
std::string insert_before(std::string text, const std::string& anchor, const std::string& copy) {
    const auto at = text.find(anchor);
    EXPECT_NE(at, std::string::npos) << anchor;
    return at == std::string::npos ? text : text.insert(at, copy);
}

std::string text_error(const std::string& text) {
    try {
        parse_reference_values(text);
    } catch (const ReferenceError& e) { return e.what(); }
    ADD_FAILURE() << "accepted " << text;
    return "";
}

// A member given twice has no single meaning (nlohmann::json would keep the
// last copy): a digest, a PCR value, the whole component list.
TEST(EventlogReference, RejectsARepeatedMemberAtAnyDepth) {
    const auto good = matching_reference().dump();
    ASSERT_NO_THROW(parse_reference_values(good));
    EXPECT_EQ(text_error(insert_before(good, "\"components\"", "\"components\":[],")),
              "reference values: member \"components\" appears twice in the top-level object");
    EXPECT_EQ(text_error(insert_before(good, "\"sha1\"", "\"sha1\":\"" + std::string(40, '0') + "\",")),
              "reference values: member \"sha1\" appears twice in \"components[0].digests\"");
    EXPECT_EQ(text_error(insert_before(good, "\"17\"", "\"17\":\"" + std::string(40, '0') + "\",")),
              "reference values: member \"17\" appears twice in \"pcrs.sha1\"");
    try {
        parse_pcr_values(R"({"sha256": {"17": "00", "17": "01"}})");
        ADD_FAILURE() << "accepted";
    } catch (const ReferenceError& e) {
        EXPECT_STREQ(e.what(), "PCR values: member \"17\" appears twice in \"sha256\"");
    }
}

// A member the reader does not know would be ignored, and with it what its
// writer meant: a misspelt "host_specific" or "digests", a "pcr" meant for
// the top level. Each is an error naming the member.
TEST(EventlogReference, RejectsUnknownMembers) {
    const auto doc = matching_reference();
    auto d = doc;
    d["generator"] = "keel measure 2";
    EXPECT_EQ(reference_error(d),
              "reference values: unknown member \"generator\" (known: format, version, components, pcrs)");
    d = doc;
    d["components"][1]["host_specfic"] = true;
    EXPECT_EQ(reference_error(d), "components[1]: unknown member \"host_specfic\" (known: index, name, pcr, "
                                  "event_type, detail, digests, host_specific)");
    d = doc;
    d["components"][2]["digest"] = d["components"][2]["digests"];
    EXPECT_NE(reference_error(d).find("components[2]: unknown member \"digest\""), std::string::npos);
}

TEST(EventlogReference, ReadsPcrValuesAsATpmReportsThem) {
    const auto pcrs = parse_pcr_values(R"({"sha256": {"17": "0x)" + std::string(64, 'A') + R"("}})");
    EXPECT_EQ(pcrs.at(alg_sha256).at(17), Bytes(32, 0xAA));
    EXPECT_THROW(parse_pcr_values(R"({"sha256": {"017": "00"}})"), ReferenceError);
    EXPECT_THROW(parse_pcr_values(R"({"sha256": ["00"]})"), ReferenceError);
}

TEST(EventlogCompare, AcceptsAMatchingLog) {
    const auto report = compare(matching_reference());
    EXPECT_TRUE(report.ok());
    ASSERT_EQ(report.components.size(), 4u);
    EXPECT_EQ(report.components[2].event, 3u);
    EXPECT_EQ(report.components[2].banks.size(), 2u);
    EXPECT_TRUE(report.components[2].banks[0].matches());
}

TEST(EventlogCompare, NamesTheComponentAndBothDigestsWhenOneDiffers) {
    auto doc = matching_reference();
    const Bytes wrong(32, 0x12);
    doc["components"][2]["digests"]["sha256"] = to_hex(wrong);
    const auto report = compare(doc);
    EXPECT_FALSE(report.ok());
    ASSERT_EQ(report.components[2].problems.size(), 1u);
    EXPECT_EQ(report.components[2].problems[0],
              "hypervisor (PCR 17): sha256 digest differs: reference " + to_hex(wrong) + ", event log " +
                  to_hex(hash(alg_sha256, keel_data("hypervisor", "debug-exit=0xf4"))));
    EXPECT_TRUE(report.components[0].ok());
}

TEST(EventlogCompare, ReportsMissingAndUnexpectedComponents) {
    auto doc = matching_reference();
    doc["components"].push_back(component(4, "debug-shell", 19, keel_ev_component, ""));
    auto report = compare(doc);
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.components[4].problems,
              std::vector<std::string>{"debug-shell (PCR 19): missing from the event log"});

    doc = matching_reference();
    doc["components"].erase(3);
    report = compare(doc);
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(
        report.unexpected,
        std::vector<std::string>{"event log component 3 (event 4, PCR 19) \"guest\" is not in the reference values"});
}

TEST(EventlogCompare, ChecksNamePcrTypeAndDetailAtEachPosition) {
    auto doc = matching_reference();
    doc["components"][1]["name"] = "policy";
    doc["components"][2]["pcr"] = 18;
    doc["components"][2]["detail"] = "";
    doc["components"][3]["event_type"] = keel_ev_skinit;
    const auto report = compare(doc);
    EXPECT_EQ(report.components[1].problems,
              std::vector<std::string>{
                  "policy (PCR 18): not found; the event log's component 1 (event 2, PCR 18) is \"manifest\""});
    EXPECT_EQ(report.components[2].problems,
              (std::vector<std::string>{"hypervisor (PCR 18): extended into PCR 17 instead",
                                        "hypervisor (PCR 18): detail differs: reference \"\", event log "
                                        "\"debug-exit=0xf4\""}));
    EXPECT_EQ(report.components[3].problems,
              std::vector<std::string>{"guest (PCR 19): event type KEEL_EV_COMPONENT (0x602) differs: reference "
                                       "KEEL_EV_SKINIT (0x600)"});
}

TEST(EventlogCompare, FailsABankTheLogDoesNotCarry) {
    auto doc = matching_reference();
    doc["components"][0]["digests"]["sha512"] = std::string(128, '0');
    const auto log = parse(keel_drtm_log({{alg_sha1, 20}, {alg_sha256, 32}}).build());
    const auto report = compare_components(log, parse_reference_values(doc.dump()));
    EXPECT_EQ(report.components[0].problems,
              std::vector<std::string>{"slb (PCR 17): the event log has no sha512 digest for it"});
}

TEST(EventlogCompare, ReportsMalformedKeelEvents) {
    keel::test::LogBuilder b;
    b.event(17, keel_ev_skinit, keel::test::bytes("slb"));
    const auto report = compare_components(parse(b.build()), parse_reference_values(matching_reference().dump()));
    EXPECT_EQ(report.components[0].problems[0],
              "slb (PCR 17): the event log's component 0 (event 1, PCR 17) is malformed: KEEL_EV_SKINIT data has no "
              "NUL between name and detail");
}

TEST(EventlogCompare, ComparesTheReplayWithPcrValues) {
    const auto log = parse(keel_drtm_log().build());
    const auto r = replay(log);
    const auto ref = parse_reference_values(matching_reference().dump());
    EXPECT_TRUE(compare_pcrs(log, r, ref.pcrs).ok());

    auto pcrs = ref.pcrs;
    pcrs[alg_sha256][17] = Bytes(32, 0xEE);
    pcrs[alg_sha256][20] = Bytes(32, 0);  // not extended: the reset value after a launch
    pcrs[alg_sha256][21] = Bytes(32, 0xFF);  // not extended, and not the reset value
    pcrs[alg_sha512][17] = Bytes(64, 0);
    const auto report = compare_pcrs(log, r, pcrs);
    EXPECT_FALSE(report.ok());
    std::vector<std::string> problems;
    for (const auto& p : report.pcrs)
        if (!p.ok()) problems.push_back(p.problem);
    EXPECT_EQ(problems, (std::vector<std::string>{
                            "sha256 PCR 17: expected " + std::string(64, 'e') + ", event log replays to " +
                                to_hex(r.pcrs.at(alg_sha256).at(17)),
                            "sha256 PCR 21: expected " + std::string(64, 'f') + ", event log replays to " +
                                std::string(64, '0') + " (no event extends it)",
                            "sha512 PCR 17: the event log has no sha512 digests",
                        }));
}

}  // namespace

// The memory map is each host's own: reference values may leave it
// host-specific (keel measure does without --memory-map), and nothing else.
json host_specific_map(std::size_t index) {
    return {{"index", index},
            {"name", "memory-map"},
            {"pcr", 18},
            {"event_type", keel_ev_memory_map},
            {"host_specific", true}};
}

TEST(EventlogReference, OnlyTheMemoryMapCanBeHostSpecific) {
    auto doc = matching_reference();
    doc["components"].push_back(host_specific_map(4));
    auto ref = parse_reference_values(doc.dump());
    EXPECT_TRUE(ref.components[4].host_specific);
    EXPECT_FALSE(ref.components[3].host_specific);

    auto other = matching_reference();
    other["components"][3]["host_specific"] = true;
    other["components"][3].erase("detail");
    other["components"][3].erase("digests");
    EXPECT_NE(reference_error(other).find("only the memory map"), std::string::npos);
    auto pinned_too = doc;
    pinned_too["components"][4]["detail"] = "0x0-0x9ffff usable\n";
    EXPECT_NE(reference_error(pinned_too).find("pins no detail and no digests"), std::string::npos);
    pinned_too = doc;
    pinned_too["components"][4]["digests"] = {{"sha256", std::string(64, '0')}};
    EXPECT_NE(reference_error(pinned_too).find("pins no detail and no digests"), std::string::npos);
    auto not_bool = doc;
    not_bool["components"][4]["host_specific"] = "yes";
    EXPECT_NE(reference_error(not_bool).find("must be true or false"), std::string::npos);
    auto missing = doc;  // host_specific false: a pinned component needs its detail and digests
    missing["components"][4]["host_specific"] = false;
    EXPECT_NE(reference_error(missing).find("\"detail\" is missing"), std::string::npos);
}

// The log's memory-map event as the SLB writes it: each digest the hash of
// the detail (the map's text), or of `measured` if the detail lies.
keel::test::LogBuilder log_with_map(const std::string& detail, const std::string& measured) {
    auto b = keel_drtm_log();
    std::vector<std::pair<AlgorithmId, Bytes>> digests;
    for (const auto& bank : keel::test::LogBuilder::drtm_banks())
        digests.emplace_back(bank.id, hash(bank.id, keel::test::bytes(measured)));
    b.event(18, keel_ev_memory_map, digests, keel_data("memory-map", detail));
    return b;
}

TEST(EventlogCompare, AHostSpecificMapIsAcceptedOnlyIfItsDetailIsWhatWasMeasured) {
    auto doc = matching_reference();
    doc["components"].push_back(host_specific_map(4));
    const auto ref = parse_reference_values(doc.dump());
    const std::string map = "0x0-0x9fbff usable\n0x100000-0x1ffcefff usable\n";
    auto report = compare_components(parse(log_with_map(map, map).build()), ref);
    EXPECT_TRUE(report.ok()) << (report.components[4].problems.empty() ? "" : report.components[4].problems[0]);

    // A log that shows one map while the PCR was extended with another.
    report = compare_components(parse(log_with_map(map, "0x0-0x9fbff usable\n").build()), ref);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.components[4].problems,
              std::vector<std::string>{"memory-map (PCR 18): host-specific, but its sha1 digest is not the hash of "
                                       "its detail: the detail is not what was measured"});
}
