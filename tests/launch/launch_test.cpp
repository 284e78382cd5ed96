// The measured launch end to end (issue: AMD SKINIT path): GRUB -> pre-launch
// stage -> emulated SKINIT (keel-platform + swtpm) -> SLB -> hypervisor, and
// the PCR values read from the TPM afterwards against `keel measure`'s
// prediction, bank by bank.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "launch_run.hpp"

using namespace keel::test;
using Json = nlohmann::json;

namespace {

const char* const DRTM_PCRS[] = {"17", "18", "19"};

std::string iso(const std::string& name) { return env("KEEL_ISO_DIR") + "/" + name + ".iso"; }
std::string tree(const std::string& name) { return env("KEEL_TREE_DIR") + "/" + name + ".d"; }
Json json_file(const std::string& path) { return Json::parse(read_file(path)); }

std::vector<std::string> split_banks(const std::string& banks) {
    std::vector<std::string> out;
    std::stringstream in(banks);
    for (std::string b; std::getline(in, b, ',');) out.push_back(b);
    return out;
}

// The "pcrs:" section of tpm2_eventlog's YAML: bank -> PCR -> hex.
std::map<std::string, std::map<std::string, std::string>> tpm2_eventlog_pcrs(const std::string& yaml) {
    std::map<std::string, std::map<std::string, std::string>> out;
    std::istringstream in(yaml.substr(yaml.find("\npcrs:")));
    std::regex bank(R"(^  (\w+):\s*$)"), value(R"(^    (\d+)\s*:\s*0x([0-9a-fA-F]+))");
    std::string current;
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_match(l, m, bank))
            current = m[1];
        else if (std::regex_search(l, m, value))
            out[current][m[1]] = m[2];
    }
    return out;
}

void expect_launch_matches_prediction(const std::string& banks, const std::vector<std::string>& extra = {}) {
    // swtpm takes its state directory in a comma-separated option: no commas in names.
    std::string name = std::regex_replace(banks, std::regex(","), "-") + (extra.empty() ? "" : "-uefi");
    std::string reference = measure(tree("keel-drtm-guest"), banks, name);
    LaunchResult r = launch(iso("keel-drtm-guest"), banks, "chain-" + name, extra);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("EMULATED SKINIT: entering the SLB"), std::string::npos);
    EXPECT_NE(r.platform.find("emulated SKINIT: SLB at"), std::string::npos) << r.platform;
    EXPECT_NE(r.serial.find("drtm: dynamic launch confirmed by the TPM"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("module guest says hello"), std::string::npos);

    Json predicted = json_file(reference)["pcrs"], tpm = json_file(r.pcrs_file);
    for (const auto& bank : split_banks(banks))
        for (const char* pcr : DRTM_PCRS) {
            ASSERT_TRUE(tpm.contains(bank)) << "the TPM has no " << bank << " bank: " << tpm.dump();
            EXPECT_EQ(tpm[bank][pcr], predicted[bank][pcr]) << bank << " PCR " << pcr;
            // The hypervisor read the same value through its own TIS driver.
            std::string line = "tpm: PCR " + std::string(pcr) + " " + bank + " " + tpm[bank][pcr].get<std::string>();
            EXPECT_NE(r.serial.find(line), std::string::npos) << line;
        }

    // The event log replays to exactly those values, component by component.
    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", r.pcrs_file});
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(check.output.find("hypervisor (PCR 17): ok"), std::string::npos) << check.output;
    EXPECT_NE(check.output.find("guest (PCR 19): ok"), std::string::npos) << check.output;

    // tpm2-tools reads Keel's log without error and replays it to the same values.
    auto yaml = run_process({"tpm2_eventlog", r.event_log_file});
    ASSERT_EQ(yaml.status, 0) << yaml.output;
    auto theirs = tpm2_eventlog_pcrs(yaml.output);
    for (const auto& bank : split_banks(banks))
        for (const char* pcr : DRTM_PCRS)
            EXPECT_EQ(theirs[bank][pcr], tpm[bank][pcr].get<std::string>())
                << "tpm2_eventlog " << bank << " PCR " << pcr;

    std::smatch m;
    std::regex measured("keel-slb: running at 0x[0-9a-f]+: core (\\d+) bytes .*, loader (\\d+) bytes");
    if (std::regex_search(r.serial, m, measured))
        std::cout << "SLB: core (measured by SKINIT) " << m[1] << " bytes, loader " << m[2] << " bytes\n";
    if (r.request_to_hypervisor)
        std::cout << "SKINIT request -> hypervisor's first line: " << r.request_to_hypervisor->count() << " ms\n";
    std::regex skinit("emulated SKINIT took ([0-9.]+ ms)");
    if (std::regex_search(r.platform, m, skinit))
        std::cout << "emulated SKINIT (pause, read, hash, resume): " << m[1] << "\n";
}

// Boots a tampered copy, compares with the clean tree's prediction, and
// checks that `keel eventlog` names the component whose digest changed.
void expect_tamper_detected(const std::string& what, const std::string& component, const char* pcr) {
    std::string reference = measure(tree("keel-drtm-guest"), "sha256", "tamper-" + what);
    LaunchResult r = launch(iso("keel-tamper-" + what), "sha256", "tamper-" + what);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    Json predicted = json_file(reference)["pcrs"]["sha256"], tpm = json_file(r.pcrs_file)["sha256"];
    EXPECT_NE(tpm[pcr], predicted[pcr]) << "PCR " << pcr << " should differ from the prediction";

    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", r.pcrs_file});
    EXPECT_EQ(check.status, 1) << check.output;
    std::string differs = component + " (PCR " + pcr + "): sha256 digest differs";
    EXPECT_NE(check.output.find(differs), std::string::npos) << check.output;
    // Only that component: the others still match their reference values.
    for (std::string other : {"slb (PCR 17)", "slb-loader (PCR 17)", "hypervisor (PCR 17)", "guest (PCR 19)"}) {
        if (other.rfind(component + " (", 0) == 0) continue;
        EXPECT_NE(check.output.find(other + ": ok"), std::string::npos) << other << "\n" << check.output;
    }
    std::cout << "keel eventlog: " << check.output.substr(check.output.find(differs)).substr(0, 200) << "\n";
}

}  // namespace

TEST(MeasuredLaunch, Sha256BankMatchesPrediction) { expect_launch_matches_prediction("sha256"); }

TEST(MeasuredLaunch, Sha1Sha256Sha384BanksMatchPrediction) { expect_launch_matches_prediction("sha1,sha256,sha384"); }

// UEFI firmware (OVMF) and GRUB's EFI build place modules elsewhere (even
// below 1 MiB) and write their console to every serial port, the platform
// port included: the launch must not care.
TEST(MeasuredLaunch, UefiFirmwareSha256BankMatchesPrediction) {
    expect_launch_matches_prediction("sha256", {"--firmware", env("KEEL_OVMF")});
}

TEST(Tamper, HypervisorImageByte) { expect_tamper_detected("hypervisor", "hypervisor", "17"); }
TEST(Tamper, ModuleByte) { expect_tamper_detected("module", "guest", "19"); }
TEST(Tamper, ModuleCommandLine) { expect_tamper_detected("cmdline", "guest", "19"); }
TEST(Tamper, SlbCoreByte) { expect_tamper_detected("slb", "slb", "17"); }
TEST(Tamper, SlbLoaderByte) { expect_tamper_detected("slb-loader", "slb-loader", "17"); }

TEST(NoLaunch, PlainGrubBootLeavesPcr17AllOnes) {
    LaunchResult r = launch(iso("keel-qemu"), "sha256", "plain-grub");
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("drtm: not started by Keel's secure loader"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("drtm: no DRTM took place: PCR 17 reads all ones"), std::string::npos) << r.serial;
    EXPECT_EQ(json_file(r.pcrs_file)["sha256"]["17"], std::string(64, 'f'));
}

TEST(NoLaunch, PrelaunchRefusesWithoutSkinitOrEmulator) {
    LaunchResult r = launch(iso("keel-drtm-guest"), "sha256", "no-platform", {"--no-platform-port"}, 20);
    EXPECT_NE(r.serial.find("no platform emulator answered on COM2"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("Keel microhypervisor"), std::string::npos) << "the hypervisor must not start unmeasured";
    EXPECT_EQ(json_file(r.pcrs_file)["sha256"]["17"], std::string(64, 'f'));
}
