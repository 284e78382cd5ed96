// keel-agent checks its event-log files when it starts, before it touches
// the TPM: a --drtm-log that is not a TCG log, or that extends PCRs outside
// 17-22 (the firmware's log given in its place), is bad input (exit 2)
// naming the option, instead of a failure at the first verifier's quote.
// The TCTI points at a port where no TPM listens, so getting as far as the
// TPM shows as a TPM failure (exit 1).
#include <gtest/gtest.h>

#include "tests/attestation/verifier/synthetic_launch.hpp"
#include "tests/unit/eventlog/run_command.hpp"

namespace keel::test {
namespace {

constexpr std::uint16_t sha256 = 0x000B;
const std::string no_tpm = "swtpm:host=127.0.0.1,port=1";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string as_text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

CommandResult agent(const std::string& command, const std::string& option, const std::string& log) {
    std::vector<std::string> args = {command, "--tcti", no_tpm, option, log};
    if (command == "quote") args.insert(args.end(), {"--nonce", "00"});
    if (command == "serve") args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    return run_command(KEEL_AGENT, args);
}

TEST(AgentStartUp, ADrtmLogThatIsNotATcgLogIsRefusedAtOnce) {
    ScratchDir dir;
    const auto garbage = dir.write("drtm.log", "this is the console output, not the log").string();
    for (const char* command : {"serve", "quote"}) {
        auto r = agent(command, "--drtm-log", garbage);
        EXPECT_EQ(r.status, 2) << command << ": " << r.out << r.err;
        EXPECT_TRUE(contains(r.err, "keel-agent: --drtm-log " + garbage + ": not a TCG event log")) << r.err;
    }
    auto r = agent("serve", "--boot-log", garbage);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "keel-agent: --boot-log " + garbage + ": not a TCG event log")) << r.err;
}

TEST(AgentStartUp, TheFirmwaresLogIsNotADrtmLog) {
    ScratchDir dir;
    auto firmware = keel_components();
    firmware[1].pcr = 0;
    const auto log = dir.write("firmware.log", as_text(drtm_log({sha256}, firmware))).string();
    auto r = agent("quote", "--drtm-log", log);
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "--drtm-log " + log + ": event 2 extends PCR 0, not a DRTM PCR (17-22)")) << r.err;
    // As the boot log it is fine: the agent goes on to the TPM, which is not there.
    r = agent("quote", "--boot-log", log);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
}

TEST(AgentStartUp, AGenuineDrtmLogPassesTheCheck) {
    ScratchDir dir;
    const auto log = dir.write("drtm.log", as_text(drtm_log({sha256}, keel_components()))).string();
    auto r = agent("quote", "--drtm-log", log);
    EXPECT_EQ(r.status, 1) << "only the missing TPM stops it: " << r.out << r.err;
    EXPECT_FALSE(contains(r.err, "--drtm-log")) << r.err;
}

// In a Keel management VM the kernel publishes the DRTM log where Linux
// puts the platform's log: the agent takes it from there unless told
// otherwise, and never takes a firmware's log there as the DRTM log.
TEST(AgentStartUp, ADrtmLogWhereTheKernelPublishesItIsTakenWithoutTheOption) {
    ScratchDir dir;
    const auto drtm = dir.write("drtm.log", as_text(drtm_log({sha256}, keel_components()))).string();
    auto firmware_components = keel_components();
    firmware_components[1].pcr = 0;
    const auto firmware = dir.write("firmware.log", as_text(drtm_log({sha256}, firmware_components))).string();
    const std::string taken = "keel-agent: the DRTM event log from ";
    auto quote = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = {"quote", "--tcti", no_tpm, "--nonce", "00"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_command(KEEL_AGENT, args);
    };
    auto r = quote({"--platform-log", drtm});
    EXPECT_EQ(r.status, 1) << "only the missing TPM stops it: " << r.out << r.err;
    EXPECT_TRUE(contains(r.err, taken + drtm)) << r.err;
    for (const std::string& other : {firmware, dir.path().string() + "/missing"}) {
        r = quote({"--platform-log", other});
        EXPECT_EQ(r.status, 1) << other << ": " << r.out << r.err;
        EXPECT_FALSE(contains(r.err, taken)) << other << ": " << r.err;
    }
    r = quote({"--platform-log", drtm, "--drtm-log", drtm});
    EXPECT_FALSE(contains(r.err, taken)) << "--drtm-log wins: " << r.err;
}

// serve has no TLS: off loopback it is refused before the TPM is touched.
TEST(AgentStartUp, ServeRefusesANonLoopbackAddress) {
    for (const char* address : {"0.0.0.0:0", "192.0.2.1:7734", "[::]:0", "example.org:7734"}) {
        auto r = run_command(KEEL_AGENT, {"serve", "--tcti", no_tpm, "--listen", address});
        EXPECT_EQ(r.status, 2) << address << ": " << r.out << r.err;
        EXPECT_TRUE(contains(r.err, "only on a loopback address")) << r.err;
    }
    for (const char* address : {"127.0.0.1:0", "localhost:0", "[::1]:0", "127.1.2.3:0"}) {
        auto r = run_command(KEEL_AGENT, {"serve", "--tcti", no_tpm, "--listen", address});
        EXPECT_EQ(r.status, 1) << address << ": only the missing TPM stops it: " << r.out << r.err;
        EXPECT_FALSE(contains(r.err, "loopback")) << r.err;
    }
    // Said in so many words, as a management VM behind its host's NAT does.
    for (const char* address : {"0.0.0.0:0", "[::]:0"}) {
        auto r = run_command(KEEL_AGENT, {"serve", "--tcti", no_tpm, "--listen", address, "--plain-http-off-loopback"});
        EXPECT_EQ(r.status, 1) << address << ": only the missing TPM stops it: " << r.out << r.err;
        EXPECT_FALSE(contains(r.err, "loopback")) << r.err;
    }
}

// --config: the settings of serve and push from a TOML file, the command
// line winning; each setting reaches the check it feeds before the TPM.
TEST(AgentConfigFile, ItsSettingsApplyAndTheCommandLineWins) {
    ScratchDir dir;
    const auto garbage = dir.write("drtm.log", "not a log").string();
    const auto config =
        dir.write("agent.toml", "[tpm]\ntcti = \"" + no_tpm + "\"\n[serve]\nlisten = \"0.0.0.0:7734\"\n").string();
    auto r = run_command(KEEL_AGENT, {"serve", "--config", config});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "--listen 0.0.0.0:7734: keel-agent serve speaks plain HTTP")) << r.err;
    r = run_command(KEEL_AGENT, {"serve", "--config", config, "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.status, 1) << "only the missing TPM (the file's TCTI) stops it: " << r.out << r.err;
    const auto with_log = dir.write("log.toml", "[logs]\ndrtm_log = \"" + garbage + "\"\npcrs = [17, 18]\n").string();
    r = run_command(KEEL_AGENT, {"serve", "--tcti", no_tpm, "--listen", "127.0.0.1:0", "--config=" + with_log});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "--drtm-log " + garbage + ": not a TCG event log")) << r.err;
}

TEST(AgentConfigFile, PushTakesItsRequiredSettingsFromTheFile) {
    ScratchDir dir;
    const auto pem = dir.write("x.pem", "-----BEGIN CERTIFICATE-----\n").string();
    auto r = run_command(KEEL_AGENT, {"push", "--tcti", no_tpm});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "--verifier is required")) << r.err;
    const auto config =
        dir.write("push.toml", "[tpm]\ntcti = \"" + no_tpm +
                                   "\"\n[push]\nverifier = \"https://127.0.0.1:1\"\nhost_id = \"node-1\"\n"
                                   "certificate = \"" +
                                   pem + "\"\nprivate_key = \"" + pem + "\"\nverifier_ca = \"" + pem +
                                   "\"\nretry_seconds = 5\n"
                                   "[serve]\nlisten = \"0.0.0.0:1\"\n")
            .string();
    r = run_command(KEEL_AGENT, {"push", "--config", config});
    EXPECT_EQ(r.status, 1) << "every required option came from the file; only the missing TPM stops it: " << r.out
                           << r.err;
    EXPECT_FALSE(contains(r.err, "listen")) << "[serve] is not push's: " << r.err;
}

TEST(AgentConfigFile, UnknownKeysWrongTypesAndUnreadableFilesAreBadInput) {
    ScratchDir dir;
    struct Case {
        const char* text;
        const char* says;
    };
    for (const Case& c : {Case{"[push]\nverifer = \"https://x\"\n", "[push] verifer: unknown key"},
                          Case{"[tpms]\ntcti = \"x\"\n", "unknown table [tpms]"},
                          Case{"listen = \"127.0.0.1:1\"\n", "unknown key listen"},
                          Case{"[push]\nretry_seconds = \"5\"\n", "[push] retry_seconds must be an integer"},
                          Case{"[logs]\npcrs = [17, \"18\"]\n", "[logs] pcrs must be a non-empty array of integers"},
                          Case{"[tpm]\ntransient = 1\n", "[tpm] transient must be true or false"},
                          Case{"[serve]\nlisten = \n", "agent.toml:2:"}}) {
        const auto config = dir.write("agent.toml", c.text).string();
        auto r = run_command(KEEL_AGENT, {"serve", "--tcti", no_tpm, "--listen", "127.0.0.1:0", "--config", config});
        EXPECT_EQ(r.status, 2) << c.text << r.out << r.err;
        EXPECT_TRUE(contains(r.err, c.says)) << c.says << " in: " << r.err;
    }
    auto r = run_command(KEEL_AGENT, {"serve", "--config", (dir.path() / "missing.toml").string()});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "--config " + (dir.path() / "missing.toml").string())) << r.err;
}

}  // namespace
}  // namespace keel::test
