// keel-platform under QEMU + swtpm with the test guest (platform_guest.S):
// the emulated SKINIT, QEMU's own TPM traffic through the proxy, tpm.sock,
// the platform port left out, the time limit, and set-up errors.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "tool_run.hpp"
#include "unique_fd.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t SLB_LENGTH = 6144;  // what the guest writes
constexpr int KEEL_SUCCESS = 33;  // isa-debug-exit with 0x10
constexpr int NO_PLATFORM_PORT = 35;  // the guest's exit for "no COM2" (0x11)
constexpr auto RUN_LIMIT = 240s;

std::string pcr(const nlohmann::json& pcrs, const char* bank, const char* index) {
    if (!pcrs.contains(bank) || !pcrs[bank].contains(index)) return "<missing>";
    return pcrs[bank][index].get<std::string>();
}

std::string zeros(size_t digest_size) { return std::string(2 * digest_size, '0'); }

// One run of the guest shared by the tests of the suite: it takes seconds.
class EmulatedSkinit : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        run_ = new ToolRun;
        run_->start({"--kernel", guest_path(), "--banks", "sha1,sha256"});
        status_ = run_->wait(RUN_LIMIT);
    }
    static void TearDownTestSuite() {
        delete run_;
        run_ = nullptr;
    }
    void SetUp() override { ASSERT_TRUE(status_) << "keel-platform did not end within the limit"; }

    static inline ToolRun* run_ = nullptr;
    static inline std::optional<int> status_;
};

TEST_F(EmulatedSkinit, ExitsWithKeelsSuccessStatus) {
    EXPECT_EQ(*status_, KEEL_SUCCESS) << run_->messages() << run_->console();
    EXPECT_NE(run_->console().find("guest: done"), std::string::npos) << run_->console();
}

TEST_F(EmulatedSkinit, AnswersLaunchedWithTheMeasuredLengthAndDigest) {
    std::string sha256 = to_hex(digest("sha256", guest_slb(SLB_LENGTH)));
    EXPECT_NE(run_->console().find("guest: platform: KEEL-PLATFORM LAUNCHED 6144 " + sha256 + "\n"), std::string::npos)
        << run_->console();
    EXPECT_NE(run_->messages().find("keel-platform: emulated SKINIT: SLB at 0x200000, 6144 bytes measured into PCR 17 "
                                    "at locality 4 (sha256 " +
                                    sha256 + ")"),
              std::string::npos)
        << run_->messages();
    EXPECT_NE(run_->messages().find("keel-platform: emulated SKINIT took "), std::string::npos);
}

TEST_F(EmulatedSkinit, Pcr17HoldsTheSlbMeasurementInEveryBank) {
    auto pcrs = run_->pcrs();
    for (const char* bank : {"sha1", "sha256"}) {
        Bytes expected = extended_from_zero(bank, digest(bank, guest_slb(SLB_LENGTH)));
        EXPECT_EQ(pcr(pcrs, bank, "17"), to_hex(expected)) << bank;
    }
}

TEST_F(EmulatedSkinit, Pcr18To19AreResetToZeroAndPcr16And23Untouched) {
    auto pcrs = run_->pcrs();
    for (auto [bank, size] : {std::pair{"sha1", size_t(20)}, std::pair{"sha256", size_t(32)}}) {
        for (const char* index : {"16", "18", "19", "23"}) EXPECT_EQ(pcr(pcrs, bank, index), zeros(size)) << bank;
    }
}

TEST_F(EmulatedSkinit, RefusesMalformedRequestsAndKeepsTheVmRunning) {
    std::string console = run_->console();
    EXPECT_NE(console.find("guest: platform: KEEL-PLATFORM READY 1\n"), std::string::npos) << console;
    EXPECT_NE(console.find("guest: platform: KEEL-PLATFORM ERROR unknown request\n"), std::string::npos);
    EXPECT_NE(console.find("guest: platform: KEEL-PLATFORM ERROR SLB address 0x201000 is not 64 KiB aligned"),
              std::string::npos);
    EXPECT_NE(console.find("guest: platform: KEEL-PLATFORM ERROR SLB length 0 in the header is too small"),
              std::string::npos);
}

// The guest's own TPM2_PCR_Read through the TIS (QEMU -> proxy -> swtpm)
// sees the injected measurement, and SeaBIOS's TPM2_Startup and extends of
// PCR 0 went through the proxy as well.
TEST_F(EmulatedSkinit, PassesQemusOwnTpmTrafficThrough) {
    std::string console = run_->console();
    std::string expected = to_hex(extended_from_zero("sha256", digest("sha256", guest_slb(SLB_LENGTH))));
    EXPECT_NE(console.find("guest: PCR17 sha256 " + expected + "\n"), std::string::npos) << console;
    auto at = console.find("guest: PCR0 sha256 ");
    ASSERT_NE(at, std::string::npos) << console;
    std::string pcr0 = console.substr(at + std::strlen("guest: PCR0 sha256 "), 64);
    EXPECT_NE(pcr0, zeros(32)) << "SeaBIOS measured nothing into PCR 0";
}

// --- tpm.sock -------------------------------------------------------------

platform::UniqueFd connect_tpm_socket(const std::filesystem::path& path) {
    platform::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    timeval limit{10, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot connect to " + path.string());
    return fd;
}

// Sends `command`, returns the whole response; empty if the tool closed the connection.
Bytes transact(int fd, const Bytes& command) {
    if (::send(fd, command.data(), command.size(), MSG_NOSIGNAL) != ssize_t(command.size())) return {};
    Bytes response;
    uint8_t chunk[4096];
    while (response.size() < 6 || response.size() < (size_t(response[2]) << 24 | size_t(response[3]) << 16 |
                                                     size_t(response[4]) << 8 | response[5])) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return {};
        response.insert(response.end(), chunk, chunk + n);
    }
    return response;
}

uint32_t response_code(const Bytes& r) {
    return r.size() < 10 ? 0xffffffff : uint32_t(r[6]) << 24 | uint32_t(r[7]) << 16 | uint32_t(r[8]) << 8 | r[9];
}

Bytes with_size(Bytes command) {
    uint32_t size = uint32_t(command.size());
    for (int i = 0; i < 4; ++i) command[2 + i] = uint8_t(size >> (24 - 8 * i));
    return command;
}

// TPM2_PCR_Extend(pcr, SHA-256 digest) with an empty password session.
Bytes pcr_extend_sha256(uint8_t pcr, const Bytes& value) {
    Bytes c = {0x80, 0x02, 0, 0, 0,    0,   0, 0,    0x01, 0x82, 0, 0, 0, pcr,  // tag, size, TPM2_CC_PCR_Extend, handle
               0,    0,    0, 9, 0x40, 0,   0, 0x09, 0,    0,    0, 0, 0,  // TPM_RS_PW, no nonce, attributes, no hmac
               0,    0,    0, 1, 0,    0x0b};  // one digest, SHA-256
    c.insert(c.end(), value.begin(), value.end());
    return with_size(c);
}

Bytes pcr_read_sha256(uint8_t pcr) {
    Bytes select(3, 0);
    select[pcr / 8] = uint8_t(1u << (pcr % 8));
    return {0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, 0, 0, 0, 1, 0, 0x0b, 3, select[0], select[1], select[2]};
}

TEST(TpmSocket, ServesRawCommandsAtLocalityZeroWhileQemuRuns) {
    ToolRun run;
    run.start({"--kernel", guest_path(), "--", "-append", "hold"});
    ASSERT_TRUE(run.wait_for_console("guest: waiting for PCR 23", 120s)) << run.messages() << run.console();
    auto socket = run.dir() / "tpm.sock";

    // Not a TPM 2.0 command / larger than 4096 bytes: closed without an answer.
    EXPECT_TRUE(transact(connect_tpm_socket(socket).get(), {0x00, 0xc1, 0, 0, 0, 10, 0, 0, 0, 0x65}).empty());
    EXPECT_TRUE(transact(connect_tpm_socket(socket).get(), {0x80, 0x01, 0, 0, 0x20, 0, 0, 0, 0x01, 0x7e}).empty());

    auto fd = connect_tpm_socket(socket);
    // Locality 0: PCR 17 may not be extended (TPM_RC_LOCALITY), only read.
    EXPECT_EQ(response_code(transact(fd.get(), pcr_extend_sha256(17, Bytes(32, 0xaa)))), 0x907u);
    Bytes read17 = transact(fd.get(), pcr_read_sha256(17));
    ASSERT_EQ(read17.size(), 62u);
    std::string expected17 = to_hex(extended_from_zero("sha256", digest("sha256", guest_slb(SLB_LENGTH))));
    EXPECT_EQ(to_hex(Bytes(read17.begin() + 30, read17.end())), expected17);

    // PCR 23 may be extended at locality 0; the guest polls it through the TIS (at locality 2).
    Bytes value = digest("sha256", {'k', 'e', 'e', 'l'});
    EXPECT_EQ(response_code(transact(fd.get(), pcr_extend_sha256(23, value))), 0u);
    ASSERT_EQ(run.wait(RUN_LIMIT), KEEL_SUCCESS) << run.messages() << run.console();
    std::string expected23 = to_hex(extended_from_zero("sha256", value));
    EXPECT_NE(run.console().find("guest: PCR23 sha256 " + expected23 + "\n"), std::string::npos) << run.console();
    EXPECT_EQ(pcr(run.pcrs(), "sha256", "23"), expected23);
    // Right after the tool's locality-0 command the guest extends PCR 19 at
    // locality 2 (QEMU does not select it again): the tool restored it.
    EXPECT_NE(run.console().find("guest: PCR 19 extended at locality 2\n"), std::string::npos) << run.console();
    EXPECT_EQ(pcr(run.pcrs(), "sha256", "19"), to_hex(extended_from_zero("sha256", Bytes(32, 0x19))));
    EXPECT_NE(run.messages().find("tpm.sock: refused a command (tag 0xc1"), std::string::npos) << run.messages();
    EXPECT_NE(run.messages().find("tpm.sock: refused a command (size field 8192 exceeds 4096"), std::string::npos);
}

TEST(NoPlatformPort, GuestFindsNoCom2AndNothingIsMeasured) {
    ToolRun run;
    run.start({"--kernel", guest_path(), "--no-platform-port"});
    ASSERT_EQ(run.wait(RUN_LIMIT), NO_PLATFORM_PORT) << run.messages() << run.console();
    EXPECT_NE(run.console().find("guest: no platform port\n"), std::string::npos) << run.console();
    EXPECT_EQ(run.messages().find("emulated SKINIT"), std::string::npos) << run.messages();
    // No DRTM happened: PCR 17 still reads all ones.
    EXPECT_EQ(pcr(run.pcrs(), "sha256", "17"), std::string(64, 'f'));
}

// At the time limit QEMU is stopped (SIGTERM; QEMU may or may not get to send
// CMD_SHUTDOWN first, which the proxy answers itself); either way swtpm stays
// up, so the PCRs can still be read after QEMU has gone.
TEST(PlatformTimeout, StopsQemuAtTheLimitAndKeepsThePcrs) {
    ToolRun run;
    run.start({"--kernel", guest_path(), "--timeout", "5", "--", "-append", "hold"});
    ASSERT_EQ(run.wait(RUN_LIMIT), 124) << run.messages();
    EXPECT_NE(run.messages().find("time limit: QEMU still running after 5 s"), std::string::npos) << run.messages();
    std::string expected = to_hex(extended_from_zero("sha256", digest("sha256", guest_slb(SLB_LENGTH))));
    EXPECT_EQ(pcr(run.pcrs(), "sha256", "17"), expected);
}

// --- set-up errors: exit status 2 and a clear message, no QEMU needed -------

TEST(PlatformSetup, NeedsAnIsoOrKernel) {
    ToolRun run;
    run.start({});
    ASSERT_EQ(run.wait(30s), 2);
    EXPECT_NE(run.messages().find("give exactly one of --iso FILE or --kernel FILE"), std::string::npos)
        << run.messages();
}

TEST(PlatformSetup, MissingSwtpmNamesTheDebianPackage) {
    ToolRun run;
    run.start({"--kernel", guest_path(), "--qemu", "/bin/true"}, {"/usr/bin/env", "PATH=/nonexistent"});
    ASSERT_EQ(run.wait(30s), 2);
    EXPECT_NE(run.messages().find("swtpm not found on PATH: install the Debian package swtpm"), std::string::npos)
        << run.messages();
}

TEST(PlatformSetup, RejectsAMalformedBankList) {
    ToolRun run;
    run.start({"--kernel", guest_path(), "--banks", "sha256,,sha1"});
    ASSERT_EQ(run.wait(30s), 2);
    EXPECT_NE(run.messages().find("--banks"), std::string::npos) << run.messages();
}

TEST(PlatformSetup, UnknownOptionIsAUsageError) {
    ToolRun run;
    run.start({"--kernel", guest_path(), "--frobnicate"});
    ASSERT_EQ(run.wait(30s), 2);
}

}  // namespace
}  // namespace keel::test
