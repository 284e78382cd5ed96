// VMs under the microhypervisor proper: the root task starts a VMM PD per
// VM of the boot configuration, each VMM makes its guest's vCPU and serves
// its exits through portals, in ring 3. The same guest and the same
// observable results as the kernel's built-in VMM had, and a guest that
// spins with interrupts off ends only its own VM while another runs on.
#include <gtest/gtest.h>

#include <regex>

#include "qemu_machine.hpp"

using keel::test::Boot;
using keel::test::boot_iso;

namespace {

constexpr int EXIT_SUCCESS_STATUS = 33;  // kernel/power.hpp's codes, as isa-debug-exit reports them
constexpr int EXIT_GUEST_FAILED_STATUS = 39;
const std::string GREETING = "Hello from the Keel test guest! CPU vendor: AuthenticAMD";
const std::string PROBE_LINE = "wrote and read back a fresh page at guest-physical 0x30000";
const std::string HEALTHY = "[root] root: the kernel says it is healthy";

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

long exits(const std::string& serial, const std::string& vm, const std::string& kind) {
    std::smatch m;
    if (!std::regex_search(serial, m, std::regex("\\[" + vm + "\\] vm: exits " + kind + " +([0-9]+)"))) return -1;
    return std::stol(m[1]);
}

class UserVmm : public testing::Test {
protected:
    static void SetUpTestSuite() { b = new Boot(boot_iso("keel-qemu.iso")); }
    static void TearDownTestSuite() { delete b; }
    static Boot* b;
};
Boot* UserVmm::b = nullptr;

TEST_F(UserVmm, TheRootTaskStartsTheVmmNamedInTheConfiguration) {
    EXPECT_TRUE(has(b->serial, "[root] root: VM test-guest: started its VMM")) << b->serial;
    EXPECT_TRUE(std::regex_search(
        b->serial, std::regex(R"(\[root\] \[test-guest\] vmm: starting the test-guest \(\d+ bytes\) at 1000:0000)")))
        << b->serial;
}

TEST_F(UserVmm, TheGuestRunsAsUnderTheKernelsOwnVmm) {
    EXPECT_TRUE(has(b->serial, "[test-guest] guest: " + GREETING + "\r\n")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[test-guest] vmm: nested page fault at guest-physical 0x30000 (write): mapped a "
                               "fresh page"))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "[test-guest] guest: " + PROBE_LINE)) << b->serial;
    EXPECT_TRUE(has(b->serial, "[test-guest] vmm: guest read MSR 0x10 (not emulated: reads as 0)")) << b->serial;
}

TEST_F(UserVmm, EachExitIsOnePortalCallOfTheVmm) {
    EXPECT_EQ(exits(b->serial, "test-guest", "CPUID"), 1) << b->serial;
    EXPECT_EQ(exits(b->serial, "test-guest", "HLT"), 1) << b->serial;
    EXPECT_EQ(exits(b->serial, "test-guest", "NPF"), 1) << b->serial;
    EXPECT_EQ(exits(b->serial, "test-guest", "MSR"), 1) << b->serial;
    // One OUT per byte the guest printed: greeting with vendor, newline, probe line, newline.
    EXPECT_EQ(exits(b->serial, "test-guest", "IOIO"), long(GREETING.size() + 1 + PROBE_LINE.size() + 1)) << b->serial;
}

TEST_F(UserVmm, TheVmmJudgesItsGuestAndTheRootTaskPowersOff) {
    EXPECT_TRUE(std::regex_search(
        b->serial,
        std::regex(R"(\[test-guest\] vm: guest stopped on HLT at rip 0x[0-9a-f]+ \(it halted\): guest passed)")))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "[root] root: 1 of 1 VMs passed")) << b->serial;
    EXPECT_TRUE(has(b->serial, HEALTHY)) << b->serial;
    EXPECT_EQ(b->status, EXIT_SUCCESS_STATUS) << b->serial;
    EXPECT_FALSE(has(b->serial, "KEEL EXCEPTION")) << b->serial;
    EXPECT_FALSE(has(b->serial, "hardware exit code")) << "the kernel's own VMM did not run\n" << b->serial;
}

// Two VMs on one CPU at one priority: the first spins with interrupts off.
// The timer still takes the CPU from it, the second guest runs to its end
// meanwhile, and the first VMM's time limit recalls its vCPU, ending only
// that VM. The host stays healthy and says one VM failed.
TEST(SpinningGuest, EndsOnlyItsOwnVmWhileAnotherRunsOn) {
    Boot b = boot_iso("keel-vm-spin.iso");
    const std::string passed = "[test-guest] vm: guest stopped on HLT";
    const std::string recalled = "[spinner] vmm: the guest ran for 3000 ms without ending; recalling its vCPU";
    ASSERT_TRUE(has(b.serial, passed)) << b.serial;
    ASSERT_TRUE(has(b.serial, recalled)) << b.serial;
    EXPECT_LT(b.serial.find(passed), b.serial.find(recalled)) << "the second guest finished while the first spun";
    EXPECT_TRUE(std::regex_search(
        b.serial, std::regex(R"(\[spinner\] vm: guest stopped on RECALL at rip 0x[0-9a-f]+ \(its time ran out\): )"
                             R"(guest FAILED)")))
        << b.serial;
    EXPECT_GE(exits(b.serial, "spinner", "RECALL"), 1) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: 1 of 2 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_EQ(b.status, EXIT_GUEST_FAILED_STATUS) << b.serial;
}

}  // namespace

namespace {

// A vCPU the root task makes itself: a reply naming state the kernel must
// refuse comes back as BadParameter with the handler's registers intact;
// the vCPU's exit for which its PD has no portal stops only that vCPU.
TEST(VcpuReply, ARefusedReplyIsAStatusAndAnUnhandledExitStopsOnlyTheVcpu) {
    Boot b = boot_iso("keel-root-vcpu-reply.iso");
    EXPECT_TRUE(has(b.serial, "probe: a reply naming the read-only qualification: bad parameter (as documented); "
                              "R12 kept"))
        << b.serial;
    EXPECT_TRUE(
        std::regex_search(b.serial, std::regex(R"(user: a vCPU of PD 0x[0-9a-f]+ exited \(event 6\) with no portal)")))
        << "the nested page fault of its first fetch\n"
        << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: the root task runs on after its vCPU's unhandled exit")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

}  // namespace

namespace {

// The FPU and DR0-DR3 are shared hardware VMRUN does not switch: one guest
// leaves x87 state and a breakpoint address there and is preempted while
// spinning; the next guest on the CPU must see a fresh vCPU's state, not
// the first guest's (rounding toward zero, pi pushed, DR0 = 0x1234).
TEST(FpuState, OneGuestsFpuStateNeverReachesAnother) {
    Boot b = boot_iso("keel-vm-fpu.iso");
    EXPECT_TRUE(has(b.serial, "[fpu-probe] guest: fpu: control 037f status 0000 dr0 0000")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[fpu-dirty] vmm: the guest ran for 2000 ms without ending")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: 1 of 2 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_EQ(b.status, EXIT_GUEST_FAILED_STATUS) << b.serial;
}

}  // namespace

namespace {

// AVX's YMM registers and PKRU are shared hardware too, and a guest with
// CR4.PKE uses PKRU whatever its XCR0 says. One guest fills them and spins,
// checking they keep its values; the next guest on the CPU must find a
// fresh vCPU's (upper halves zero, PKRU 0), be refused XCR0 values the CPU
// or its VMM reject (#GP), and leave its own values, which the first must
// never see. (QEMU's TCG does not intercept XSETBV: here the #GPs are the
// CPU's own; the VMM's check is the same rule, lib/xcr0.hpp, unit-tested.)
TEST(GuestExtendedState, OneGuestsAvxAndPkruStateNeverReachesAnother) {
    keel::test::QemuConfig config;
    config.iso = keel::test::iso_path("keel-vm-avx.iso");
    config.cpu = "EPYC,+svm,+npt,+pku";
    Boot b = keel::test::boot_to_end(config, std::chrono::seconds(300));
    EXPECT_TRUE(has(b.serial, "[avx-probe] guest: avx: cpuid 7 xcr0 00000001 refused 3 xcr0 00000007")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[avx-probe] guest: avx: ymm upper 00000000 pkru 00000000")) << b.serial;
    EXPECT_FALSE(has(b.serial, "its registers changed")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[avx-dirty] vmm: the guest ran for 2000 ms without ending")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: 1 of 2 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_EQ(b.status, EXIT_GUEST_FAILED_STATUS) << b.serial;
}

// A guest writes EFER with SVME clear (VMRUN refuses a guest state without
// it). The MSR permission map intercepts the write: its VMM sees an MSR exit
// and drops it, the guest runs on to its end, and the host is unaffected:
// its own EFER and control registers are what they were at boot.
TEST(EferWrite, IsInterceptedAndTheHostIsUnaffected) {
    Boot b = boot_iso("keel-vm-efer.iso");
    EXPECT_TRUE(has(b.serial, "[efer-writer] vmm: guest wrote MSR 0xc0000080 (not emulated: ignored)")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[efer-writer] guest: efer: wrote 0 to EFER and ran on")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: 1 of 1 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_FALSE(has(b.serial, "KEEL EXCEPTION")) << b.serial;
}

// The MSRs the hardware switches with a guest (SYSCALL/SYSENTER targets,
// FS/GS bases) reach the guest without an exit: the kernel clears them in
// the VMM PD's MSR permission map, since the root task passed them on.
// Every other MSR still exits to the VMM (TSC_AUX here; EFER above). The
// host, whose own LSTAR is its hypercall entry, runs on after the guest
// wrote LSTAR: VMLOAD gives it back its own.
TEST(MsrPassThrough, SwitchedMsrsReachTheGuestAndOthersStillExit) {
    Boot b = boot_iso("keel-vm-msr.iso");
    for (const char* msr : {"c0000082", "c0000100", "00000176"})
        EXPECT_TRUE(has(b.serial, std::string("[msr-guest] guest: msr ") + msr + ": kept what was written"))
            << msr << "\n"
            << b.serial;
    EXPECT_FALSE(has(b.serial, "vmm: guest wrote MSR 0xc0000082")) << b.serial;
    EXPECT_FALSE(has(b.serial, "vmm: guest read MSR 0xc0000100")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[msr-guest] guest: msr c0000103: LOST what was written")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[msr-guest] vmm: guest wrote MSR 0xc0000103 (not emulated: ignored)")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: 1 of 1 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_FALSE(has(b.serial, "KEEL EXCEPTION")) << b.serial;
}

}  // namespace
