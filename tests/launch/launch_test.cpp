// The measured launch end to end (issue: AMD SKINIT path): GRUB -> pre-launch
// stage -> emulated SKINIT (keel-platform + swtpm) -> SLB -> hypervisor, and
// the PCR values read from the TPM afterwards against `keel measure`'s
// prediction, bank by bank.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

#include "hypervisor/kernel/drtm_cap.hpp"
#include "launch_run.hpp"
#include "lib/crypto/digest.hpp"

using namespace keel::test;
using Json = nlohmann::json;

namespace {

const char* const DRTM_PCRS[] = {"17", "18", "19"};

std::string iso(const std::string& name) { return env("KEEL_ISO_DIR") + "/" + name + ".iso"; }
std::string tree(const std::string& name) { return env("KEEL_TREE_DIR") + "/" + name + ".d"; }
Json json_file(const std::string& path) { return Json::parse(read_file(path)); }

// The PCR values the hypervisor printed ("tpm: PCR 17 sha256 <hex>") while
// it ran, as a --pcr-dump style file: what the TPM held before the cap.
std::string serial_pcrs(const LaunchResult& r) {
    Json out = Json::object();
    std::regex line(R"(tpm: PCR (\d+) (\w+) ([0-9a-f]+))");
    for (auto it = std::sregex_iterator(r.serial.begin(), r.serial.end(), line); it != std::sregex_iterator(); ++it)
        out[(*it)[2].str()][(*it)[1].str()] = (*it)[3].str();
    std::string path = r.pcrs_file + ".while-running.json";
    std::ofstream(path) << out.dump();
    return path;
}

std::vector<uint8_t> unhex(const std::string& hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::string to_hex(const uint8_t* bytes, size_t n) {
    std::string hex;
    char b[3];
    for (size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, "%02x", bytes[i]);
        hex += b;
    }
    return hex;
}

// A PCR after the hypervisor's cap: PCR' = H(PCR || H("keel-cap")), with the
// kernel's own hash code and constant.
std::string capped(const std::string& bank, const std::string& value_hex) {
    auto alg = bank == "sha1"     ? keel::crypto::HashAlg::Sha1
               : bank == "sha256" ? keel::crypto::HashAlg::Sha256
               : bank == "sha384" ? keel::crypto::HashAlg::Sha384
                                  : keel::crypto::HashAlg::Sha512;
    size_t n = keel::crypto::digest_size(alg);
    std::vector<uint8_t> both = unhex(value_hex);
    both.resize(2 * n);
    keel::crypto::hash(alg, keel::drtm::CAP_EVENT, sizeof keel::drtm::CAP_EVENT - 1, both.data() + n);
    std::vector<uint8_t> out(n);
    keel::crypto::hash(alg, both.data(), both.size(), out.data());
    return to_hex(out.data(), out.size());
}

// After the run the TPM holds the prediction capped: no quote now matches it.
void expect_capped(const Json& predicted, const Json& tpm, const std::string& bank) {
    for (const char* pcr : DRTM_PCRS) {
        EXPECT_NE(tpm[bank][pcr], predicted[bank][pcr]) << bank << " PCR " << pcr << " was left uncapped";
        EXPECT_EQ(tpm[bank][pcr], capped(bank, predicted[bank][pcr])) << bank << " PCR " << pcr;
    }
}

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
    LaunchResult r = launch(iso("keel-drtm-guest"), banks, "chain-" + name, extra);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    // PCR 18 ends with the memory map: predicted from the map the hypervisor
    // printed, so it matches only if the SLB measured the map it was handed.
    std::string reference = measure(tree("keel-drtm-guest"), banks, name, hypervisor_memory_map(r, name));
    EXPECT_NE(r.serial.find("EMULATED SKINIT: entering the SLB"), std::string::npos);
    EXPECT_NE(r.platform.find("emulated SKINIT: SLB at"), std::string::npos) << r.platform;
    EXPECT_NE(r.serial.find("drtm: dynamic launch confirmed by the TPM"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("module guest says hello"), std::string::npos);

    // While it ran, the hypervisor read the predicted values through its own
    // TIS driver; after its power-off the TPM holds them capped.
    std::string running = serial_pcrs(r);
    Json predicted = json_file(reference)["pcrs"], seen = json_file(running), tpm = json_file(r.pcrs_file);
    for (const auto& bank : split_banks(banks)) {
        ASSERT_TRUE(tpm.contains(bank)) << "the TPM has no " << bank << " bank: " << tpm.dump();
        for (const char* pcr : DRTM_PCRS) EXPECT_EQ(seen[bank][pcr], predicted[bank][pcr]) << bank << " PCR " << pcr;
        expect_capped(predicted, tpm, bank);
    }
    EXPECT_NE(r.serial.find("drtm: capped PCR 17, 18, 19"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("replays from the locality-4 reset to PCR 17-22"), std::string::npos) << r.serial;

    // The event log replays to exactly those values, component by component.
    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", running});
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(check.output.find("hypervisor (PCR 17): ok"), std::string::npos) << check.output;
    EXPECT_NE(check.output.find("guest (PCR 19): ok"), std::string::npos) << check.output;
    // The log says how the SLB was started, and the prediction expected it.
    EXPECT_NE(check.output.find("launch-method (PCR 18): ok"), std::string::npos) << check.output;
    EXPECT_NE(check.output.find("memory-map (PCR 18): ok"), std::string::npos) << check.output;
    EXPECT_NE(r.serial.find("keel-slb: launch method \"emulated SKINIT (keel-platform)\" into PCR 18"),
              std::string::npos);

    // tpm2-tools reads Keel's log without error and replays it to the same values.
    auto yaml = run_process({"tpm2_eventlog", r.event_log_file});
    ASSERT_EQ(yaml.status, 0) << yaml.output;
    auto theirs = tpm2_eventlog_pcrs(yaml.output);
    for (const auto& bank : split_banks(banks))
        for (const char* pcr : DRTM_PCRS)
            EXPECT_EQ(theirs[bank][pcr], seen[bank][pcr].get<std::string>())
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
    std::string running = serial_pcrs(r);
    Json predicted = json_file(reference)["pcrs"]["sha256"], tpm = json_file(running)["sha256"];
    EXPECT_NE(tpm[pcr], predicted[pcr]) << "PCR " << pcr << " should differ from the prediction";

    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", running});
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

// An unmeasured pre-launch stage booted without 'platform-emulator' never
// asks COM2 for a launch, even with an emulator listening there.
TEST(NoLaunch, PrelaunchNotBootedForTheEmulatorRefuses) {
    LaunchResult r = launch(iso("keel-drtm-no-emulator"), "sha256", "no-emulator-option", {}, 20);
    EXPECT_NE(r.serial.find("was not booted for the platform emulator"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("requesting an emulated SKINIT"), std::string::npos) << r.serial;
    EXPECT_EQ(r.platform.find("emulated SKINIT requested"), std::string::npos) << r.platform;
    EXPECT_EQ(r.serial.find("Keel microhypervisor"), std::string::npos) << "the hypervisor must not start unmeasured";
    EXPECT_EQ(json_file(r.pcrs_file)["sha256"]["17"], std::string(64, 'f'));
}

// A COM2 peer that answers the emulator's protocol without the locality-4
// hash sequence: the SLB runs and extends PCR 17 from all ones, so PCR 17 is
// not all ones, but nothing reset it. The hypervisor must not claim a launch,
// and the verifier must say why the log does not account for the PCRs.
TEST(HonestReport, LaunchWithoutLocality4ResetIsNotConfirmed) {
    std::string reference = measure(tree("keel-drtm-guest"), "sha256", "fake-launch");
    LaunchResult r = launch(iso("keel-drtm-guest"), "sha256", "fake-launch", {"--attack-launch-without-reset"});
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.platform.find("ATTACK: answering LAUNCHED without the locality-4 hash sequence"), std::string::npos);
    EXPECT_EQ(r.serial.find("dynamic launch confirmed"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("drtm: dynamic launch NOT confirmed: PCR 17 sha256 is not what the event log replays to "
                            "from the locality-4 reset"),
              std::string::npos)
        << r.serial;
    std::string running = serial_pcrs(r);
    EXPECT_NE(json_file(running)["sha256"]["17"], std::string(64, 'f'));  // what fooled the old check
    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", running});
    EXPECT_EQ(check.status, 1) << check.output;
    EXPECT_NE(check.output.find("PCR 17"), std::string::npos) << check.output;
    std::cout << "keel eventlog on the fake launch:\n" << check.output.substr(0, 1200) << "\n";
}

TEST(Cap, PanicCapsPcr17To19) {
    LaunchResult r = launch(iso("keel-drtm-panic"), "sha256", "panic");
    ASSERT_EQ(r.status, 35) << r.platform << r.serial;  // the kernel's exception path
    std::string reference = measure(tree("keel-drtm-panic"), "sha256", "panic", hypervisor_memory_map(r, "panic"));
    EXPECT_NE(r.serial.find("*** KEEL EXCEPTION: #UD invalid opcode"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("drtm: capped PCR 17, 18, 19 in 1 banks (panic)"), std::string::npos) << r.serial;
    Json predicted = json_file(reference)["pcrs"];
    EXPECT_EQ(json_file(serial_pcrs(r))["sha256"]["17"], predicted["sha256"]["17"]);
    expect_capped(predicted, json_file(r.pcrs_file), "sha256");
}

// Without a debug-exit port the kernel halts for good (real hardware): the
// cap comes first, and the platform's time-out ends QEMU.
TEST(Cap, HaltCapsPcr17To19) {
    LaunchResult r = launch(iso("keel-drtm-halt"), "sha256,sha384", "halt", {}, 25);
    std::string reference = measure(tree("keel-drtm-halt"), "sha256,sha384", "halt", hypervisor_memory_map(r, "halt"));
    EXPECT_NE(r.serial.find("keel: halting"), std::string::npos) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("drtm: capped PCR 17, 18, 19 in 2 banks (halt)"), std::string::npos) << r.serial;
    Json predicted = json_file(reference)["pcrs"], tpm = json_file(r.pcrs_file);
    expect_capped(predicted, tpm, "sha256");
    expect_capped(predicted, tpm, "sha384");
}

TEST(Interrupts, StrayVectorsAndNmiStormAreSurvived) {
    LaunchResult r = launch(iso("keel-drtm-interrupts"), "sha256", "interrupts");
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    std::string reference =
        measure(tree("keel-drtm-interrupts"), "sha256", "interrupts", hypervisor_memory_map(r, "interrupts"));
    // 223 vectors; the timer's, the PIC's spurious IRQ 7 and 15, and the two
    // IPIs between CPUs (kick, TLB shootdown) have handlers.
    EXPECT_NE(r.serial.find("selftest: 223 interrupts sent on vectors 32-254, 223 arrived (218 without a handler), "
                            "223 arrived again; 1000 NMIs sent, 1000 counted; timer still ticking: yes"),
              std::string::npos)
        << r.serial;
    EXPECT_NE(r.serial.find("module guest says hello"), std::string::npos) << "the guest still ran";
    expect_capped(json_file(reference)["pcrs"], json_file(r.pcrs_file), "sha256");
}

// INIT must not pull the CPU out of the measured hypervisor: VM_CR.R_INIT
// turns it into #SX, which the kernel ignores, and the guest's VMCB
// intercepts it. QEMU's TCG implements neither R_INIT (the bit does not
// stick) nor a held INIT (it handles INIT whatever GIF says, and after an
// intercepted one still resets the CPU), so here the test checks what can be
// checked: the hypervisor says plainly that this CPU would be reset, and it
// never claims to have survived an INIT it did not survive.
TEST(Interrupts, InitRedirectionIsReportedHonestly) {
    LaunchResult r = launch(iso("keel-drtm-init"), "sha256", "init", {}, 60);
    bool kept = r.serial.find("init: VM_CR.R_INIT set: an INIT arrives as #SX and is ignored") != std::string::npos;
    bool not_kept = r.serial.find("init: this CPU did not keep VM_CR.R_INIT (an emulator): an INIT outside a guest "
                                  "would reset it") != std::string::npos;
    ASSERT_TRUE(kept != not_kept) << r.serial;
    EXPECT_NE(r.serial.find("selftest: sending this CPU an INIT"), std::string::npos) << r.serial;
    if (kept) {
        EXPECT_NE(r.serial.find("selftest: still running after the INIT (1 redirected to #SX)"), std::string::npos);
        EXPECT_NE(r.serial.find("drtm: capped PCR 17, 18, 19"), std::string::npos);
    } else {
        EXPECT_EQ(r.serial.find("selftest: still running"), std::string::npos) << r.serial;
        std::cout << "this CPU does not keep VM_CR.R_INIT: the INIT reset it (QEMU TCG)\n";
    }
}

// A hostile pre-launch stage hands over a memory map it changed; the SLB
// checks the map before it trusts any of it and stops the launch with a
// message: the hypervisor never runs on a map that puts RAM where it is not.
void expect_map_refused(const std::string& name, const std::string& why) {
    LaunchResult r = launch(iso("keel-drtm-" + name), "sha256", name, {}, 20);
    EXPECT_NE(r.serial.find("TEST ATTACK: memory map entry"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("keel-slb: memory map refused: " + why), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("checking the memory map"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("Keel microhypervisor"), std::string::npos) << "the hypervisor must not start";
}

TEST(BootData, OverlappingMemoryMapStopsTheLaunch) {
    expect_map_refused("map-overlap", "an entry overlaps or precedes the one before it (entry ");
}

TEST(BootData, DeviceWindowMarkedRamStopsTheLaunch) {
    expect_map_refused("map-device-ram", "usable RAM in a device window");
}

// A map changed in a way no check can object to (GRUB's cutmem takes 4 MiB
// out of RAM): the launch goes on, PCR 17 and 19 are as predicted, and PCR
// 18 is not: the memory-map event records the hole.
TEST(BootData, CutMemoryMapChangesPcr18) {
    LaunchResult plain = launch(iso("keel-drtm-guest"), "sha256", "uncut");
    ASSERT_EQ(plain.status, 33) << plain.platform << plain.serial;
    std::string uncut_map = hypervisor_memory_map(plain, "uncut");
    std::string reference = measure(tree("keel-drtm-guest"), "sha256", "uncut", uncut_map);
    EXPECT_EQ(json_file(serial_pcrs(plain))["sha256"]["18"], json_file(reference)["pcrs"]["sha256"]["18"]);

    LaunchResult r = launch(iso("keel-drtm-cutmem"), "sha256", "cut");
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    std::string cut_map = hypervisor_memory_map(r, "cut");
    EXPECT_NE(read_file(cut_map), read_file(uncut_map));
    EXPECT_NE(read_file(cut_map).find("-0x000000000fffffff usable\n0x0000000010400000-"), std::string::npos)
        << read_file(cut_map);
    std::string running = serial_pcrs(r);
    Json predicted = json_file(reference)["pcrs"]["sha256"], seen = json_file(running)["sha256"];
    EXPECT_EQ(seen["17"], predicted["17"]);
    EXPECT_EQ(seen["19"], predicted["19"]);
    EXPECT_NE(seen["18"], predicted["18"]) << "a changed memory map must change PCR 18";
    // The change is the map and nothing else: predicted with the cut map, PCR 18 matches.
    EXPECT_EQ(seen["18"],
              json_file(measure(tree("keel-drtm-cutmem"), "sha256", "cut", cut_map))["pcrs"]["sha256"]["18"]);
    // keel measure can take the map from a launch's event log as well.
    std::string from_log = scratch_dir("measure-from-log") + "/reference.json";
    auto m = run_process({env("KEEL_CLI"), "measure", "--grub-cfg", tree("keel-drtm-cutmem") + "/boot/grub/grub.cfg",
                          "--banks", "sha256", "--memory-map-from-log", r.event_log_file, "-o", from_log});
    ASSERT_EQ(m.status, 0) << m.output;
    EXPECT_EQ(seen["18"], json_file(from_log)["pcrs"]["sha256"]["18"]);

    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", running});
    EXPECT_EQ(check.status, 1) << check.output;
    EXPECT_NE(check.output.find("memory-map (PCR 18): detail differs"), std::string::npos) << check.output;
    // Reference values that leave the map host-specific accept it, and say so.
    check = run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference",
                         measure(tree("keel-drtm-cutmem"), "sha256", "any-map")});
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(check.output.find("memory-map (PCR 18): ok"), std::string::npos) << check.output;
}

// Three QEMU "edu" devices, programmed by a hostile pre-launch stage to
// write ~100 ms later over the guest module, the hypervisor's loaded image
// and the DRTM event log: after the SLB measured them, before they are used
// (the hypervisor's selftest=dma-wait holds it until the writes are due).
const std::vector<std::string> EDU_DEVICES = {"--", "-device", "edu", "-device", "edu", "-device", "edu"};

TEST(Dma, AttackFromDevicesIsBlockedByTheIommu) {
    LaunchResult r = launch(iso("keel-drtm-dma-attack"), "sha256", "dma-attack", EDU_DEVICES);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    std::string reference =
        measure(tree("keel-drtm-dma-attack"), "sha256", "dma-attack", hypervisor_memory_map(r, "dma-attack"));
    EXPECT_NE(r.serial.find("over the guest at 0x"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("over the hypervisor's code and data at 0x"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("over the event log at 0x"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("(registers at 0xfed80000) blocks all device DMA"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("iommu: 1 AMD IOMMU(s) block all device DMA since the secure loader"), std::string::npos);
    // What runs is what was measured: the writes never landed.
    EXPECT_NE(r.serial.find("guest: module guest says hello"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("guest: MODULE GUEST SAYS HELLO"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("\nkeel: powering off"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("\nKEEL: POWERING OFF"), std::string::npos) << r.serial;
    std::string running = serial_pcrs(r);
    Json predicted = json_file(reference)["pcrs"], seen = json_file(running);
    for (const char* pcr : DRTM_PCRS) EXPECT_EQ(seen["sha256"][pcr], predicted["sha256"][pcr]) << "PCR " << pcr;
    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", running});
    EXPECT_EQ(check.status, 0) << check.output;  // the log, too, is as the SLB wrote it
    EXPECT_NE(check.output.find("dma-protection (PCR 18): ok"), std::string::npos) << check.output;
}

// The same attack with the protection switched off by the boot option: it
// works, silently as far as the PCRs go, which is why the log must say so.
TEST(Dma, AttackSucceedsWithProtectionSwitchedOffAndTheLogSaysSo) {
    LaunchResult r = launch(iso("keel-drtm-dma-attack-unprotected"), "sha256", "dma-attack-off", EDU_DEVICES);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    std::string reference = measure(tree("keel-drtm-dma-attack-unprotected"), "sha256", "dma-attack-off",
                                    hypervisor_memory_map(r, "dma-attack-off"));
    EXPECT_NE(r.serial.find("DMA protection switched off by 'dma-unprotected'"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("DMA protection \"none: switched off by dma-unprotected\" into PCR 18"), std::string::npos);
    EXPECT_NE(r.serial.find("iommu: device DMA is NOT blocked"), std::string::npos) << r.serial;
    // An unmeasured guest and a patched hypervisor ran...
    EXPECT_NE(r.serial.find("guest: MODULE GUEST SAYS HELLO"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("\nKEEL: POWERING OFF"), std::string::npos) << r.serial;
    // ...while the PCRs equal the prediction, whose PCR 18 says "unprotected".
    std::string running = serial_pcrs(r);
    Json predicted = json_file(reference), seen = json_file(running);
    for (const char* pcr : DRTM_PCRS) EXPECT_EQ(seen["sha256"][pcr], predicted["pcrs"]["sha256"][pcr]) << "PCR " << pcr;
    bool said = false;
    for (const auto& c : predicted["components"])
        if (c["name"] == "dma-protection") said = c["detail"] == "none: switched off by dma-unprotected";
    EXPECT_TRUE(said) << predicted.dump();
    // The event log itself was overwritten after the SLB wrote it.
    auto check =
        run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", running});
    EXPECT_NE(check.status, 0) << check.output;
}

TEST(Dma, NoIommuStopsTheLaunchUnlessSwitchedOff) {
    LaunchResult r = launch(iso("keel-drtm-guest"), "sha256", "no-iommu", {"--no-iommu"}, 20);
    EXPECT_NE(r.serial.find("keel-slb: no AMD IOMMU found: device DMA cannot be blocked"), std::string::npos)
        << r.serial;
    EXPECT_EQ(r.serial.find("Keel microhypervisor"), std::string::npos) << "the hypervisor must not start";

    r = launch(iso("keel-drtm-dma-unprotected"), "sha256", "no-iommu-allowed", {"--no-iommu"});
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    std::string reference = measure(tree("keel-drtm-dma-unprotected"), "sha256", "no-iommu-allowed",
                                    hypervisor_memory_map(r, "no-iommu-allowed"));
    EXPECT_NE(r.serial.find("drtm: dynamic launch confirmed"), std::string::npos) << r.serial;
    auto check = run_process(
        {env("KEEL_CLI"), "eventlog", r.event_log_file, "--reference", reference, "--pcrs", serial_pcrs(r)});
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(check.output.find("dma-protection (PCR 18): ok"), std::string::npos) << check.output;
}

// The pre-launch stage first turns the IOMMU on with a permissive table and
// makes it cache a read-write translation of the guest module's page for the
// first device; the SLB's blocking table counts only because the SLB then
// invalidates everything the IOMMU cached.
TEST(Dma, TranslationsCachedBeforeTheLaunchAreInvalidated) {
    LaunchResult r = launch(iso("keel-drtm-dma-stale-iotlb"), "sha256", "dma-stale-iotlb", EDU_DEVICES);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("now caches a read-write translation"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("guest: module guest says hello"), std::string::npos) << r.serial;
    EXPECT_EQ(r.serial.find("guest: MODULE GUEST SAYS HELLO"), std::string::npos) << r.serial;
}

// assign_dev under a measured launch (the only boot where the secure
// loader hands the kernel an IOMMU): the root task gives QEMU's edu to a PD
// and has it copy between guest pages, then revokes pages, a right, the PD.
TEST(Dma, AnAssignedDeviceReachesOnlyItsPdsGuestMemory) {
    LaunchResult r = launch(iso("keel-drtm-dma-assign"), "sha256", "dma-assign", {"--", "-device", "edu"});
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("iommu: 1 IOMMU(s) taken over from the secure loader"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("iommu: 00:03.0, registers at 0xfed80000"), std::string::npos) << r.serial;
    // The root task got edu's registers, and nothing in the platform window.
    EXPECT_TRUE(std::regex_search(r.serial, std::regex(R"(root: \d+ device memory ranges granted, 0 refused)")))
        << r.serial;
    EXPECT_NE(r.serial.find("[root] probe: dma: edu 00:04.0, registers at 0x4000fea00000"), std::string::npos)
        << r.serial;
    EXPECT_NE(r.serial.find("[root] probe: dma: edu says it is 0x10000ed"), std::string::npos) << r.serial;
    for (const char* line : {
             "assign_dev of a requester ID beyond 16 bits: bad parameter (as documented)",
             "assign_dev of a function that does not exist (00:10.0): bad device (as documented)",
             "assign_dev of the host bridge (00:00.0): bad device (as documented)",
             "assign_dev of the IOMMU (00:03.0): refused (as documented)",
             "assign_dev of edu: success (as documented)",
             "dev_config of edu through a PD it is not assigned to: bad device (as documented)",
             "dev_config of edu through its PD: success (as documented)",
             "dma: edu's configuration through its PD: vendor and device 0x11e81234",
             "dev_config of edu through the root task's PD, which it is not assigned to: bad device (as documented)",
             "dma: the device copies guest page A to guest page B: yes",
             "dma: a write to a physical address outside the PD's memory is dropped: yes",
             "dma: a read of a physical address outside the PD's memory brings nothing: yes",
             "dma: the device cannot write a page made read-only: yes",
             "dma: the device still reads it: yes",
             "dma: the device reads page A before it is revoked: yes",
             "dma: the device cannot read a page revoked from the PD: yes",
             "dma: the device cannot write once its PD is gone: yes",
             "dma: nor anywhere else: yes",
         })
        EXPECT_NE(r.serial.find(line), std::string::npos) << line << "\n" << r.serial;
    EXPECT_NE(r.serial.find("probe: dma: 26 checks, 0 unexpected"), std::string::npos) << r.serial;
    // The kernel's own check: no device entry is left on a PD that went.
    EXPECT_NE(r.serial.find("keel: health check: every device the IOMMU translates belongs to a live PD"),
              std::string::npos)
        << r.serial;
    EXPECT_EQ(r.serial.find("UNEXPECTED"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("health check: kernel text and rodata unchanged, CPU protections as at boot: healthy"),
              std::string::npos)
        << r.serial;
}

// assign_int: the root task binds the PCI GSIs to semaphores and has edu
// raise its line (under a measured launch, where it gets edu's registers).
TEST(Interrupts, ADeviceInterruptUpsItsSemaphoreOncePerArrival) {
    LaunchResult r = launch(iso("keel-drtm-interrupt-assign"), "sha256", "interrupt-assign", {"--", "-device", "edu"});
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("ioapic: 24 pins masked"), std::string::npos) << r.serial;
    for (const char* line : {
             "assign_int of GSI 4 (the kernel's COM1): bad device (as documented)",
             "assign_int of GSI 0 (the kernel's timer): bad device (as documented)",
             "assign_int of GSI 200: bad device (as documented)",
             "assign_int to CPU 99: bad cpu (as documented)",
             "assign_int of a GSI another semaphore has: busy (as documented)",
             "probe: int: 0 semaphores upped before edu raised its line",
             "with edu quiet, no interrupt: timeout (as documented)",
             "edu raises its line again: it arrives again: success (as documented)",
             "a line held asserted for 100 ms without a down upped the semaphore 1 time(s)",
             "probe: int: 0 semaphores upped without a cause",
             "probe: int: 0 unexpected",
         })
        EXPECT_NE(r.serial.find(line), std::string::npos) << line << "\n" << r.serial;
    EXPECT_TRUE(
        std::regex_search(r.serial, std::regex(R"(probe: int: edu's interrupt arrived on GSI (1[6-9]|2[0-3]))")))
        << r.serial;
    EXPECT_EQ(r.serial.find("UNEXPECTED"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("[root] root: the kernel says it is healthy"), std::string::npos) << r.serial;
}

// A device that sends an INIT as its MSI (QEMU's edu, programmed by a hostile
// pre-launch stage to do so ~100 ms into the hypervisor's run): QEMU resets
// the CPU into the firmware on an INIT, whatever VM_CR says, so only the
// IOMMU's interrupt remapping keeps the CPU in the measured hypervisor.
TEST(Interrupts, DeviceSentInitIsBlockedByTheIommu) {
    LaunchResult r = launch(iso("keel-drtm-msi-init"), "sha256", "msi-init", EDU_DEVICES);
    EXPECT_NE(r.serial.find("will send an INIT as its MSI"), std::string::npos) << r.serial;
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;  // not reset: the run ended as the hypervisor decided
    EXPECT_NE(r.serial.find("guest: module guest says hello"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("drtm: capped PCR 17, 18, 19"), std::string::npos) << r.serial;
}

namespace {

// Lines the management VM's /init printed: "[mgmt] guest: KEEL-MGMT <what>: <text>".
std::string mgmt_lines(const std::string& serial, const std::string& what) {
    std::string out, key = "KEEL-MGMT " + what + ": ";
    std::istringstream in(serial);
    for (std::string l; std::getline(in, l);) {
        size_t at = l.find(key);
        if (at == std::string::npos || l.find("[mgmt]") == std::string::npos) continue;
        std::string text = l.substr(at + key.size());
        if (!text.empty() && text.back() == '\r') text.pop_back();
        // The guest's console lines end in CR, which the host's console escapes.
        if (text.size() >= 4 && text.compare(text.size() - 4, 4, "\\x0d") == 0) text.resize(text.size() - 4);
        out += text + "\n";
    }
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The nonce tests/qemu/mgmt_tpm_init.sh quotes over (fixed: the VM has no
// network yet for a verifier to hand it a fresh one).
const char* const MGMT_NONCE = "4b45454c2d6d616e6167656d656e742d766d2d6e6f6e6365";

// The management VM's keel-agent output on the console (its identity and a
// quote, base64), appraised by `keel verify` against `reference`.
ProcessResult verify_agent_evidence(const LaunchResult& r, const std::string& name, const std::string& reference) {
    std::string dir = scratch_dir(name + "-agent");
    auto decode = [&](const std::string& b64_text, const std::string& file) {
        std::string b64 = dir + "/" + file + ".b64", out = dir + "/" + file;
        std::ofstream(b64) << b64_text;
        auto d = run_process({"base64", "-d", b64});
        EXPECT_EQ(d.status, 0) << d.output;
        std::ofstream(out, std::ios::binary) << d.output;
        return out;
    };
    std::string evidence = decode(mgmt_lines(r.serial, "evidence"), "evidence.json");
    Json identity = json_file(decode(mgmt_lines(r.serial, "identity"), "identity.json"));
    std::string ak = decode(identity.value("ak_public", ""), "ak.pub");
    return run_process(
        {env("KEEL_CLI"), "verify", "--evidence", evidence, "-q", MGMT_NONCE, "-u", ak, "--reference", reference});
}

}  // namespace

// The management VM after a measured launch: its own kernel's tpm_tis binds
// to the TPM the ACPI tables announce (locality 0), publishes the DRTM event
// log from the TPM2 table at the standard path, and tpm2-tools inside it
// read the PCRs and the log the host's kernel read and printed.
TEST(ManagementVm, SeesTheTpmAndTheDrtmLogAsTheHostDoes) {
    LaunchResult r = launch(iso("keel-drtm-linux-mgmt"), "sha256", "mgmt", {}, 600);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    ASSERT_NE(r.serial.find("drtm: dynamic launch confirmed by the TPM"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("the DRTM event log (read-only)"), std::string::npos) << r.serial;
    ASSERT_NE(r.serial.find("KEEL-MGMT done"), std::string::npos) << r.serial;
    EXPECT_EQ(mgmt_lines(r.serial, "tpm"), "2 /dev/tpm0 /dev/tpmrm0 \n") << r.serial;
    EXPECT_NE(r.serial.find("tpm_tis MSFT0101:00: 2.0 TPM"), std::string::npos) << "the guest's own driver bound";

    // The log the guest's kernel publishes is, byte for byte, the one the
    // host's kernel printed.
    std::string log = read_file(r.event_log_file);
    ASSERT_FALSE(log.empty()) << r.serial;
    uint8_t digest[32];
    keel::crypto::hash(keel::crypto::HashAlg::Sha256, log.data(), log.size(), digest);
    EXPECT_EQ(mgmt_lines(r.serial, "log-sha256"), to_hex(digest, sizeof digest) + "\n") << r.serial;

    // tpm2_pcrread in the guest: the PCRs the host's kernel read while it ran.
    Json seen = json_file(serial_pcrs(r));
    std::map<std::string, std::string> pcrread;
    std::regex value(R"(^\s*(\d+)\s*:\s*0x([0-9A-Fa-f]+)\s*$)");
    std::istringstream in(mgmt_lines(r.serial, "pcrread"));
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_match(l, m, value)) pcrread[m[1]] = lower(m[2]);
    }
    // tpm2_eventlog in the guest, on the published log: the same replay.
    auto replayed = tpm2_eventlog_pcrs(mgmt_lines(r.serial, "eventlog"));
    for (const char* pcr : DRTM_PCRS) {
        ASSERT_TRUE(seen["sha256"].contains(pcr)) << r.serial;
        EXPECT_EQ(pcrread[pcr], seen["sha256"][pcr].get<std::string>()) << "tpm2_pcrread PCR " << pcr;
        EXPECT_EQ(lower(replayed["sha256"][pcr]), seen["sha256"][pcr].get<std::string>())
            << "tpm2_eventlog PCR " << pcr;
    }
    // And `keel eventlog` on the host replays the same log to them.
    auto check = run_process({env("KEEL_CLI"), "eventlog", r.event_log_file, "--pcrs", serial_pcrs(r)});
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_NE(r.serial.find("[root] root: 1 of 1 VMs passed"), std::string::npos) << r.serial;

    // keel-agent inside the VM: its identity and a quote, with the DRTM log
    // it took from where the VM's kernel publishes it; the verifier on the
    // host finds the host trusted against `keel measure`'s reference values
    // (root task, VMM, the VM's kernel, initrd and configuration among them).
    const std::string published = "/sys/kernel/security/tpm0/binary_bios_measurements";
    EXPECT_NE(mgmt_lines(r.serial, "agent").find("keel-agent: the DRTM event log from " + published), std::string::npos)
        << r.serial;
    std::string reference = measure(tree("keel-drtm-linux-mgmt"), "sha256", "mgmt", hypervisor_memory_map(r, "mgmt"));
    ProcessResult verdict = verify_agent_evidence(r, "mgmt", reference);
    std::cout << verdict.output << "\n";
    EXPECT_EQ(verdict.status, 0) << verdict.output;
    EXPECT_NE(verdict.output.find("Verdict: trusted"), std::string::npos) << verdict.output;
    for (const char* component : {"vmm-linux", "kernel mgmt", "initrd mgmt", "config"})
        EXPECT_NE(verdict.output.find(component), std::string::npos) << component << "\n" << verdict.output;
}

// A free TCP port on the host's loopback, for QEMU to forward.
int free_loopback_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) != 0)
        throw std::runtime_error("no free loopback port");
    close(fd);
    return ntohs(a.sin_port);
}

// Whether something accepts connections on the host's loopback at `port`.
bool knock(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(port));
    bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

// GET `path` from the host's loopback at `port`: the answer's first line
// and all after it ("" if no answer).
std::string http_get(int port, const std::string& path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(port));
    timeval limit{10, 0};
    std::string answer;
    if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == 0 &&
        connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (write(fd, request.data(), request.size()) == ssize_t(request.size())) {
            char buffer[4096];
            for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, size_t(n));
        }
    }
    if (fd >= 0) close(fd);
    return answer;
}

// The whole story over the network: after a measured launch the management
// VM gets QEMU's virtio-net-pci by device assignment (its DMA confined to
// the VM by the IOMMU, its INTx relayed by its VMM), its own kernel's
// virtio driver brings it up, and keel-agent serves inside it. The verifier
// on the host, outside QEMU, reaches it through a port QEMU forwards:
// `keel enroll` (EK certificate, credential activation) and `keel verify`
// with a nonce of its own making, against `keel measure`'s reference values.
// (QEMU's virtio devices reach memory through its IOMMU only with
// iommu_platform=on; real devices always do.)
TEST(ManagementVm, AttestedThroughItsAssignedNetworkCardWithAFreshNonce) {
    const int agent_port = free_loopback_port(), off_port = free_loopback_port();
    const std::string net = "user,id=n0,hostfwd=tcp:127.0.0.1:" + std::to_string(agent_port) +
                            "-:7734,hostfwd=tcp:127.0.0.1:" + std::to_string(off_port) + "-:7735";
    LaunchResult r;
    std::atomic<bool> ended{false};
    std::thread boot([&] {
        r = launch(
            iso("keel-drtm-linux-mgmt-net"), "sha256", "mgmt-net",
            {"--", "-netdev", net, "-device", "virtio-net-pci,netdev=n0,disable-legacy=on,iommu_platform=on,addr=0x4"},
            900);
        ended = true;
    });
    // The agent answers through QEMU's forwarding (which accepts on the host
    // whether or not the guest listens: an HTTP answer says it does).
    const std::string serial_path = (scratch_root() / "mgmt-net" / "serial.txt").string();
    std::string serial;
    bool serving = false;
    for (int i = 0; i < 800 && !ended && !serving; ++i) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        serial = read_file(serial_path);
        serving = serial.find("KEEL-MGMT serving") != std::string::npos &&
                  http_get(agent_port, "/v1/identity").rfind("HTTP/1.1 200", 0) == 0;
    }
    ProcessResult enrolled, verdict;
    if (serving) {
        LaunchResult so_far;
        so_far.serial = serial;
        std::string reference =
            measure(tree("keel-drtm-linux-mgmt-net"), "sha256", "mgmt-net", hypervisor_memory_map(so_far, "mgmt-net"));
        const std::string url = "http://127.0.0.1:" + std::to_string(agent_port);
        const std::string db = scratch_dir("mgmt-net-verifier") + "/hosts.sqlite";
        enrolled =
            run_process({env("KEEL_CLI"), "enroll", "--agent", url, "--host-id", "mgmt", "--db", db, "--reference",
                         reference, "--ek-ca", "/var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem", "--ek-ca",
                         "/var/lib/swtpm-localca/issuercert.pem"});
        verdict = run_process({env("KEEL_CLI"), "verify", "--db", db, "--host-id", "mgmt", "--agent", url});
        std::cout << enrolled.output << verdict.output << "\n";
    }
    // The VM powers off when asked (a connection to its port 7735).
    for (int i = 0; i < 100 && !ended && !knock(off_port); ++i) std::this_thread::sleep_for(std::chrono::seconds(1));
    boot.join();
    ASSERT_TRUE(serving) << r.platform << r.serial;
    EXPECT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("vmm: the guest gets PCI device 00:04.0 (1af4:1041, class 020000) at 00:03.0, its host "
                            "GSI 20 on pin 11"),
              std::string::npos)
        << r.serial;
    EXPECT_NE(mgmt_lines(r.serial, "net").find("driver virtio_net"), std::string::npos) << r.serial;
    EXPECT_TRUE(std::regex_search(
        r.serial, std::regex(R"(root: config line \d+: device 00:04\.0 is VM mgmt's already; skipped)")))
        << "one VM holds a device\n"
        << r.serial;
    EXPECT_EQ(enrolled.status, 0) << enrolled.output;
    EXPECT_EQ(verdict.status, 0) << verdict.output;
    EXPECT_NE(verdict.output.find("Verdict: trusted"), std::string::npos) << verdict.output;
    for (const char* component : {"vmm-linux", "kernel mgmt", "initrd mgmt", "config"})
        EXPECT_NE(verdict.output.find(component), std::string::npos) << component << "\n" << verdict.output;
    // The card interrupted through the VMM, and the guest ended as asked.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.serial, m, std::regex(R"(vm: assigned device interrupts (\d+))"))) << r.serial;
    EXPECT_GT(std::stoul(m[1]), 0u);
    EXPECT_NE(r.serial.find("KEEL-MGMT power off"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("[root] root: 1 of 1 VMs passed"), std::string::npos) << r.serial;
}

// Device assignment attacked from inside the guest: QEMU's edu is the Linux
// guest "attacker"'s (tests/qemu/linux-edu-dma.conf; only a measured launch
// gives the kernel an IOMMU), and its /init drives the device's DMA through
// /dev/mem (tests/qemu/edu_dma_init.sh). The device copies the guest's own
// pages, so its addresses are the guest's (untranslated, they would be
// other frames: this guest's RAM lies elsewhere in the host's). Every
// guest-physical address from the end of its RAM to the end of edu's reach
// (256 MiB, every 4 MiB) reads as nothing of anyone's (QEMU gives an
// aborted read zeros), and what the device writes there is never read back.
// The guest beside it boots and passes, the host stays healthy. (No fault
// is reported: the kernel keeps no IOMMU event log, and QEMU 7.2's AMD-Vi
// model logs none for an absent I/O page table entry.)
TEST(AssignedDevice, ALinuxGuestsDeviceCannotDmaOutsideThatGuest) {
    LaunchResult r =
        launch(iso("keel-drtm-linux-edu-dma"), "sha256", "edu-dma", {"--", "-device", "edu,addr=0x4"}, 300);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    auto has = [&](const std::string& text) { return r.serial.find(text) != std::string::npos; };
    EXPECT_TRUE(has("[attacker] vmm: the guest gets PCI device 00:04.0 (1234:11e8, class 00ff00) at 00:03.0, its "
                    "host GSI 20 on pin 11"))
        << r.serial;
    // The guest found it in sysfs, at the host's BAR, and it answers there.
    EXPECT_TRUE(std::regex_search(r.serial, std::regex(R"(\[attacker\] guest: EDU-DMA device 0000:00:03\.0 )"
                                                       R"(\(1234:11e8\): registers at 0xfea00000, it says 0x10000ed)")))
        << r.serial;
    EXPECT_FALSE(has("EDU-DMA stopped")) << r.serial;
    EXPECT_TRUE(has("[attacker] guest: EDU-DMA own memory: reached (3840 random bytes from 0x4000000 through the "
                    "device to 0x4001000)"))
        << r.serial;
    EXPECT_TRUE(has("[attacker] guest: EDU-DMA outside: 40 addresses from 0x6000000 to 0xfc00000, every 4 MiB"))
        << r.serial;
    EXPECT_TRUE(has("[attacker] guest: EDU-DMA outside reads: 0 of 40 leaked")) << r.serial;
    EXPECT_TRUE(has("[attacker] guest: EDU-DMA outside writes: 0 of 40 landed (read back: 0 leaked")) << r.serial;
    EXPECT_TRUE(has("[attacker] guest: EDU-DMA done")) << r.serial;
    const std::string powered_off = R"( vm: guest stopped on IOIO at rip 0x[0-9a-f]+ \(it powered off \(ACPI S5\)\))";
    EXPECT_TRUE(std::regex_search(r.serial, std::regex(R"(\[attacker\])" + powered_off))) << r.serial;
    // The other guest, beside it on the same CPU.
    EXPECT_TRUE(has("[lin1] guest: KEEL-LINUX-GUEST-lin1 cpus=1")) << r.serial;
    EXPECT_TRUE(std::regex_search(r.serial, std::regex(R"(\[lin1\])" + powered_off))) << r.serial;
    EXPECT_TRUE(has("[root] root: 2 of 2 VMs passed")) << r.serial;
    EXPECT_TRUE(has("keel: health check: every device the IOMMU translates belongs to a live PD")) << r.serial;
    EXPECT_TRUE(has("[root] root: the kernel says it is healthy")) << r.serial;
}

// The root task receives the DRTM event log read-only: it reads it (and
// passes a copy to the management VM), but its write faults, and the
// kernel stops only the root task.
TEST(EventLog, TheRootTaskReadsItButCannotWriteIt) {
    LaunchResult r = launch(iso("keel-drtm-write-log"), "sha256", "write-log");
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    EXPECT_NE(r.serial.find("the DRTM event log (read-only)"), std::string::npos) << r.serial;
    // The log begins with the Spec ID event: PCR 0, EV_NO_ACTION (3).
    EXPECT_TRUE(std::regex_search(
        r.serial,
        std::regex(R"(\[root\] probe: the DRTM event log \(\d+ bytes\) reads: its first event is for PCR 0, type 3)")))
        << r.serial;
    EXPECT_NE(r.serial.find("[root] probe: writing the DRTM event log"), std::string::npos) << r.serial;
    EXPECT_TRUE(
        std::regex_search(r.serial, std::regex(R"(root: the root task faulted \(vector 14, error 0x[0-9a-f]*7\))")))
        << "a write to a present page, from user mode\n"
        << r.serial;
    EXPECT_EQ(r.serial.find("[root] root: done"), std::string::npos) << r.serial;
    EXPECT_NE(r.serial.find("health check: kernel text and rodata unchanged"), std::string::npos) << r.serial;
}

// The management VM's ISO with one change (tests/launch/tamper.sh): its
// VMM, its kernel or the boot configuration. It still boots and its agent
// still quotes, but against the clean tree's reference values the verifier
// says not trusted and names the component that changed.
class Tamper : public testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(Tamper, NotTrustedNamingTheComponent) {
    const auto [what, component] = GetParam();
    LaunchResult r =
        launch(iso(std::string("keel-tamper-mgmt-") + what), "sha256", std::string("mgmt-tamper-") + what, {}, 600);
    ASSERT_EQ(r.status, 33) << r.platform << r.serial;
    ASSERT_NE(r.serial.find("KEEL-MGMT done"), std::string::npos) << r.serial;
    std::string reference = measure(tree("keel-drtm-linux-mgmt"), "sha256", std::string("mgmt-clean-") + what,
                                    hypervisor_memory_map(r, std::string("mgmt-tamper-") + what));
    ProcessResult verdict = verify_agent_evidence(r, std::string("mgmt-tamper-") + what, reference);
    std::cout << verdict.output << "\n";
    EXPECT_EQ(verdict.status, 1) << verdict.output;
    EXPECT_NE(verdict.output.find("Verdict: NOT trusted"), std::string::npos) << verdict.output;
    std::smatch m;
    std::regex named(std::string(R"(fail +reference\.components +component ")") + component +
                     R"(" \(PCR 19, event \d+\): its sha256 digest [0-9a-f]+ is not the reference value)");
    EXPECT_TRUE(std::regex_search(verdict.output, m, named)) << component << "\n" << verdict.output;
}

INSTANTIATE_TEST_SUITE_P(ManagementVm, Tamper,
                         testing::Values(std::make_pair("vmm-linux", "vmm-linux"), std::make_pair("kernel", "kernel"),
                                         std::make_pair("config", "config")),
                         [](const auto& info) {
                             std::string n = info.param.first;
                             for (auto& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });
