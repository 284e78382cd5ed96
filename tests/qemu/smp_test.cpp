// Every CPU: the hypervisor starts the application processors after the
// launch, user level runs on all of them, VMs are spread over them, and the
// cross-CPU duties (kicks, TLB shootdowns) hold. Boots with -smp 1, 2, 4.
#include <gtest/gtest.h>

#include <regex>

#include "qemu_machine.hpp"

using keel::test::Boot;
using keel::test::boot_iso;

namespace {

constexpr int EXIT_SUCCESS_STATUS = 33;
constexpr int EXIT_GUEST_FAILED_STATUS = 39;
const std::string HEALTHY = "[root] root: the kernel says it is healthy";

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

class EveryCpu : public testing::TestWithParam<unsigned> {};

// The test guest's VM, the root task and the kernel's health check on a
// machine with 1, 2 or 4 CPUs: all of them come up and the results are
// those of one CPU.
TEST_P(EveryCpu, AllCpusComeUpAndTheGuestPasses) {
    unsigned n = GetParam();
    Boot b = boot_iso("keel-qemu.iso", n);
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_TRUE(has(b.serial, "smp: " + std::to_string(n) + " CPUs online (" + std::to_string(n) + " in all answered"))
        << b.serial;
    for (unsigned i = 0; i < n; ++i)
        EXPECT_TRUE(std::regex_search(b.serial, std::regex("smp: CPU " + std::to_string(i) + " is APIC \\d+")))
            << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: ABI 1, " + std::to_string(n) + " CPU(s)")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[test-guest] vm: guest stopped on HLT at rip 0x50 (it halted): guest passed"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
}
INSTANTIATE_TEST_SUITE_P(Smp, EveryCpu, testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return "cpus_" + std::to_string(info.param); });

// Threads of the root task on CPUs 1-3 run while CPU 0 is busy, wake the
// root task across CPUs through a semaphore; a call may not cross CPUs.
TEST(SmpThreads, ThreadsRunOnEveryCpuAndCallsStayOnTheirOwn) {
    Boot b = boot_iso("keel-root-smp-cpus.iso", 4);
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: create a thread on CPU n (one past the last): bad cpu (as documented)"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: 3 threads started, 3 woke the root task on CPU 0 from their own CPU, 3 ran "
                              "(as documented)"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: while the root task kept CPU 0 busy, 3 of 3 threads ran on (as documented)"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: call a portal whose handler is on CPU 1: bad cpu (as documented)")) << b.serial;
    EXPECT_FALSE(has(b.serial, "UNEXPECTED")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
}

// On one CPU the same probe says so and refuses CPU 1.
TEST(SmpThreads, OneCpuRefusesASecond) {
    Boot b = boot_iso("keel-root-smp-cpus.iso", 1);
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: create a thread on CPU n (one past the last): bad cpu (as documented)"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: only one CPU: nothing runs beside the root task")) << b.serial;
}

// A page taken from a PD whose thread reads it in a loop on another CPU:
// the thread faults at once (its CPU dropped the translation before the
// revocation returned) and never reads what the page holds afterwards.
TEST(SmpShootdown, ARevokedPageIsGoneOnEveryCpu) {
    for (unsigned n : {2u, 4u}) {
        Boot b = boot_iso("keel-root-smp-shootdown.iso", n);
        ASSERT_TRUE(b.status.has_value()) << b.serial;
        EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
        EXPECT_TRUE(has(b.serial, "probe: the child on CPU " + std::to_string(n - 1) + " reads the page: yes"))
            << b.serial;
        EXPECT_TRUE(has(b.serial, "probe: take the page back from the child: success (as documented)")) << b.serial;
        EXPECT_TRUE(std::regex_search(b.serial, std::regex("probe: after the revocation the child read [01] more "
                                                           "times, then stopped \\(as documented\\)")))
            << b.serial;
        EXPECT_TRUE(std::regex_search(b.serial, std::regex("user: a thread of PD 0x[0-9a-f]+ faulted \\(vector 14, "
                                                           "error 0x4\\) at rip 0x[0-9a-f]+, address 0x9000001000")))
            << b.serial;
        EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    }
}

// Two VMs on two CPUs: the guest that spins with interrupts off holds CPU 0
// until its VMM's limit; the test guest on CPU 1 runs to its end meanwhile.
TEST(SmpVms, ASpinningGuestOnOneCpuLeavesTheOtherCpusGuestAlone) {
    Boot b = boot_iso("keel-vm-spin.iso", 2);
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_GUEST_FAILED_STATUS) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: VM spinner: started its VMM on CPU 0")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: VM test-guest: started its VMM on CPU 1")) << b.serial;
    size_t passed = b.serial.find("[test-guest] vm: guest stopped on HLT at rip 0x50 (it halted): guest passed");
    size_t recalled = b.serial.find("[spinner] vmm: the guest ran for 3000 ms without ending; recalling its vCPU");
    ASSERT_NE(passed, std::string::npos) << b.serial;
    ASSERT_NE(recalled, std::string::npos) << b.serial;
    EXPECT_LT(passed, recalled) << "the test guest ended while the spinner still spun";
    EXPECT_TRUE(has(b.serial, "[root] root: 1 of 2 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
}

}  // namespace
