// Cross-check with tpm2-tools: for every log both tools read, the PCR values
// tpm2_eventlog computes (the "pcrs:" section of its YAML) must equal Keel's
// replay, except where tpm2_eventlog 5.4 is known to be wrong.
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/replay.hpp"
#include "log_builder.hpp"
#include "run_command.hpp"
#include "testdata.hpp"

using namespace keel::eventlog;
using nlohmann::json;

namespace {

// Logs Keel reads that tpm2_eventlog 5.4 (Debian 12) cannot: it fails or crashes.
const std::map<std::string, std::string> tpm2_eventlog_fails = {
    {"intel-secl/pkg/tagent/test/eventlog/txt-logs.bin", "reads the zero filler as a record"},
    {"intel-secl-txt-logs.bin", "reads the zero filler as a record"},
    {"intel-secl/pkg/tagent/test/eventlog/uefi_event_log.bin", "reads the 0xFF filler as a record"},
    {"intel-secl/pkg/tagent/test/eventlog/uefi_event_log_invalid.bin", "checks UEFI variable data Keel leaves opaque"},
    {"go-attestation/attest/testdata/option_rom_eventlog", "crashes on an EV_NO_ACTION event in PCR 0xFFFFFFFF"},
    {"go-attestation/attest/testdata/short_no_action_eventlog", "takes a first EV_NO_ACTION record for a Spec ID"},
    {"go-attestation-short-no-action.bin", "takes a first EV_NO_ACTION record for a Spec ID"},
};

// Logs Keel rejects (see real_world_test.cpp and tests/data/eventlog/README.md).
const std::set<std::string> keel_rejects = {
    "intel-secl/pkg/tagent/test/eventlog/incomplete_tcg_spec_event.bin",
    "keylime/test/data/create-mb-policy/binary_bios_measurements-bogus",
    "tpm2-tools/test/integration/fixtures/specid-vendordata.bin",
};

std::string tpm2_eventlog() {
    const std::string path = KEEL_TPM2_EVENTLOG;
    return !path.empty() && access(path.c_str(), X_OK) == 0 ? path : "";
}

// "pcrs:\n  sha1:\n    17 : 0x<hex>\n" -> {"sha1": {"17": "<hex>"}}
json yaml_pcrs(const std::string& yaml) {
    json out = json::object();
    std::istringstream in(yaml.substr(std::min(yaml.find("\npcrs:"), yaml.size())));
    std::string line, bank;
    while (std::getline(in, line)) {
        if (line.rfind("  ", 0) == 0 && line.rfind("    ", 0) != 0 && line.back() == ':') {
            bank = line.substr(2, line.size() - 3);
            out[bank] = json::object();
        } else if (auto colon = line.find(" : 0x"); !bank.empty() && colon != std::string::npos) {
            auto pcr = line.substr(0, colon);
            pcr.erase(0, pcr.find_first_not_of(' '));
            pcr.erase(pcr.find_last_not_of(' ') + 1);
            out[bank][pcr] = line.substr(colon + 5);
        }
    }
    return out;
}

// tpm2_eventlog 5.4 extends EV_NO_ACTION events after the Spec ID header
// (StartupLocality, SP800-155 reference manifests) and starts PCR 0 at zero
// after an H-CRTM event; those PCRs are not compared.
std::set<std::string> pcrs_tpm2_eventlog_gets_wrong(const EventLog& log) {
    std::set<std::string> wrong;
    for (const auto& e : log.events)
        if ((e.index > 0 && e.type == ev_no_action) || (e.pcr == 0 && e.type == ev_efi_hcrtm_event))
            wrong.insert(std::to_string(e.pcr));
    return wrong;
}

json comparable(json pcrs, const std::set<std::string>& skip) {
    for (auto it = pcrs.begin(); it != pcrs.end();) {
        for (const auto& pcr : skip) it->erase(pcr);
        it = it->empty() ? pcrs.erase(it) : std::next(it);
    }
    return pcrs;
}

// Returns false if tpm2_eventlog could not read the log.
bool expect_agreement(const std::filesystem::path& file, const std::string& name) {
    SCOPED_TRACE(name);
    const auto log = parse(keel::test::read_file(file));
    const auto ours = keel::test::hex_pcrs(replay(log));
    const auto r = keel::test::run_command(tpm2_eventlog(), {file.string()});
    if (r.status != 0) return false;
    const auto skip = pcrs_tpm2_eventlog_gets_wrong(log);
    EXPECT_EQ(comparable(yaml_pcrs(r.out), skip), comparable(ours, skip));
    return true;
}

class Tpm2Eventlog : public ::testing::Test {
protected:
    void SetUp() override {
        if (tpm2_eventlog().empty()) GTEST_SKIP() << "tpm2_eventlog (tpm2-tools) is not installed";
    }
};

TEST_F(Tpm2Eventlog, AgreesOnAKeelDrtmLog) {
    keel::test::ScratchDir scratch;
    const auto bytes = keel::test::keel_drtm_log().build();
    const auto path = scratch.write("drtm.log", std::string(bytes.begin(), bytes.end()));
    const auto r = keel::test::run_command(tpm2_eventlog(), {path.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto theirs = yaml_pcrs(r.out);
    EXPECT_EQ(theirs.size(), 3u);
    EXPECT_EQ(theirs, keel::test::hex_pcrs(replay(parse(bytes))));
}

TEST_F(Tpm2Eventlog, AgreesOnTheRepositoryCopies) {
    const auto dir = keel::test::repo_eventlog_data();
    const auto expected = keel::test::read_json(dir / "expected.json");
    for (const auto& [name, e] : expected.items()) {
        if (e.contains("reject")) continue;
        const bool read = expect_agreement(dir / name, name);
        EXPECT_EQ(read, !tpm2_eventlog_fails.count(name)) << name;
    }
}

TEST_F(Tpm2Eventlog, AgreesOnTheRealWorldCollection) {
    const auto dir = keel::test::real_world_data();
    if (dir.empty())
        GTEST_SKIP() << "no real-world collection at " << keel::test::real_world_root()
                     << " (optional: ../shared/testdata or $KEEL_TESTDATA_DIR); AgreesOnTheRepositoryCopies still ran";
    std::size_t compared = 0;
    const auto reference = keel::test::read_json(dir / "REFERENCE_REPLAY.json");
    for (const auto& [name, e] : reference.items()) {
        if (keel_rejects.count(name)) continue;
        const bool read = expect_agreement(dir / name, name);
        EXPECT_EQ(read, !tpm2_eventlog_fails.count(name)) << name;
        compared += read;
    }
    EXPECT_GE(compared, 53u);
}

}  // namespace
