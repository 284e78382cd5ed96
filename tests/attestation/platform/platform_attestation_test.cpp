// Attestation of a real measured boot: keel-platform boots GRUB -> pre-launch
// stage -> emulated SKINIT -> SLB -> hypervisor under QEMU with swtpm, the
// hypervisor holds, and while it runs keel-agent reaches the TPM through the
// emulator's tpm.sock (tcti-cmd + socat) at locality 0. keel enroll and
// keel verify then appraise what the TPM quotes against `keel measure`'s
// prediction. Every step is a real process.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/attestation/agent_process.hpp"
#include "tests/launch/launch_run.hpp"
#include "tests/platform/tool_run.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> swtpm_ca = {"--ek-ca", "/var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem", "--ek-ca",
                                           "/var/lib/swtpm-localca/issuercert.pem"};

// keel-agent serve on the platform's tpm.sock (tcti-cmd through socat).
AgentProcess agent_on(const std::filesystem::path& dir, const std::filesystem::path& platform_dir,
                      std::vector<std::string> options) {
    options.insert(options.begin(), {"--tcti", "cmd:socat - UNIX-CONNECT:" + (platform_dir / "tpm.sock").string()});
    return AgentProcess(env("KEEL_AGENT"), options, dir);
}

nlohmann::json parse_json(const std::string& text) {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) ADD_FAILURE() << "not JSON: " << text;
    return doc;
}

std::vector<std::string> failed_checks(const nlohmann::json& result) {
    std::vector<std::string> ids;
    for (const auto& id : result.value("failed_checks", nlohmann::json::array())) ids.push_back(id);
    return ids;
}

TEST(PlatformAttestation, MeasuredBootIsEnrolledAndTrusted) {
    const std::string banks = "sha1,sha256";
    auto reference = measure(env("KEEL_TREE_DIR") + "/keel-drtm-attest.d", banks, "attest");
    ToolRun platform;
    platform.start({"--iso", env("KEEL_ISO_DIR") + "/keel-drtm-attest.iso", "--banks", banks, "--timeout", "900"});
    ASSERT_TRUE(platform.wait_for_console("keel: holding for inspection", 300s))
        << platform.console() << platform.messages();
    ASSERT_NE(platform.console().find("drtm: dynamic launch confirmed by the TPM"), std::string::npos);
    auto dir = std::filesystem::path(scratch_dir("platform-attest"));
    auto drtm_log = dir / "drtm.bin";
    std::ofstream(drtm_log, std::ios::binary) << event_log_bytes(platform.console());

    auto agent = agent_on(dir, platform.dir(), {"--drtm-log", drtm_log.string()});
    auto db = (dir / "hosts.sqlite").string();
    std::vector<std::string> enroll = {env("KEEL_CLI"), "enroll", "--agent", agent.url(),   "--host-id",
                                       "qemu-host",     "--db",   db,        "--reference", reference};
    enroll.insert(enroll.end(), swtpm_ca.begin(), swtpm_ca.end());
    auto enrolled = run_process(enroll);
    ASSERT_EQ(enrolled.status, 0) << enrolled.output;
    EXPECT_NE(enrolled.output.find("pass    ak.credential"), std::string::npos) << enrolled.output;
    EXPECT_NE(enrolled.output.find("pass    ek.certificate"), std::string::npos) << enrolled.output;

    const std::vector<std::string> verify = {env("KEEL_CLI"), "verify",  "--db",      db,      "--host-id",
                                             "qemu-host",     "--agent", agent.url(), "--json"};
    auto first = run_process(verify);
    ASSERT_EQ(first.status, 0) << first.output;
    auto result = parse_json(first.output);
    EXPECT_EQ(result["verdict"], "trusted");
    std::vector<std::string> names;
    for (const auto& c : result["measured_components"]) names.push_back(c["name"]);
    // The user level the kernel starts is measured too: the root task, the
    // VMM, the guest and the boot configuration that names it.
    EXPECT_EQ(names, (std::vector<std::string>{"slb", "slb-loader", "hypervisor", "launch-manifest", "root", "vmm",
                                               "guest", "config", "launch-method", "dma-protection", "memory-map"}));

    // A second quote: its counters are compared with the first one's.
    auto second = run_process(verify);
    ASSERT_EQ(second.status, 0) << second.output;
    for (const auto& c : parse_json(second.output)["checks"]) {
        if (c["id"] == "quote.clock") { EXPECT_EQ(c["status"], "pass") << c; }
    }

    // The same reference values without the guest module: its measurement is unknown.
    auto ref = parse_json(read_file(reference));
    auto& components = ref["components"];
    for (std::size_t i = 0; i < components.size(); ++i)
        if (components[i]["name"] == "guest") components.erase(i--);
    for (std::size_t i = 0; i < components.size(); ++i) components[i]["index"] = i;  // indices stay dense
    auto short_reference = (dir / "reference-without-guest.json").string();
    std::ofstream(short_reference) << ref.dump(2);
    // One TPM is one host (its EK enrols under one host id): enrolled again with them.
    enroll[9] = short_reference;
    enroll.push_back("--replace");
    ASSERT_EQ(run_process(enroll).status, 0);
    auto unknown = run_process(
        {env("KEEL_CLI"), "verify", "--db", db, "--host-id", "qemu-host", "--agent", agent.url(), "--json"});
    EXPECT_EQ(unknown.status, 1) << unknown.output;
    EXPECT_EQ(failed_checks(parse_json(unknown.output)), std::vector<std::string>{"reference.components"});
}

TEST(PlatformAttestation, BootWithoutDynamicLaunchIsNotTrusted) {
    auto reference = measure(env("KEEL_TREE_DIR") + "/keel-drtm-attest.d", "sha256", "plain");
    ToolRun platform;
    // GRUB starts the hypervisor directly: no SKINIT, PCR 17 stays all ones.
    platform.start({"--iso", env("KEEL_ISO_DIR") + "/keel-test-hold.iso", "--banks", "sha256", "--timeout", "900"});
    ASSERT_TRUE(platform.wait_for_console("keel: holding for inspection", 300s)) << platform.console();
    auto dir = std::filesystem::path(scratch_dir("platform-plain"));
    auto agent = agent_on(dir, platform.dir(), {});
    auto db = (dir / "hosts.sqlite").string();
    std::vector<std::string> enroll = {env("KEEL_CLI"), "enroll", "--agent", agent.url(),   "--host-id",
                                       "plain",         "--db",   db,        "--reference", reference};
    enroll.insert(enroll.end(), swtpm_ca.begin(), swtpm_ca.end());
    auto enrolled = run_process(enroll);
    ASSERT_EQ(enrolled.status, 0) << enrolled.output;
    auto r =
        run_process({env("KEEL_CLI"), "verify", "--db", db, "--host-id", "plain", "--agent", agent.url(), "--json"});
    EXPECT_EQ(r.status, 1) << r.output;
    auto failed = failed_checks(parse_json(r.output));
    ASSERT_FALSE(failed.empty()) << r.output;
    EXPECT_NE(std::find(failed.begin(), failed.end(), "drtm.launched"), failed.end()) << r.output;
    EXPECT_NE(r.output.find("no dynamic launch took place"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace keel::test
