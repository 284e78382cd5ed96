// The root task in ring 3 (vmm/root): one boot per ISO. The fuzzer's boot
// makes at least 100,000 random hypercalls from a printed seed; each probe
// boot makes one hostile attempt that must end as documented (a status, or
// a fault that stops the root task while the kernel carries on and reports
// itself healthy).
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "qemu_machine.hpp"

using keel::test::boot_iso;

namespace {

constexpr int EXIT_SUCCESS_STATUS = 33;  // kernel/power.hpp's Success, as isa-debug-exit reports it
const std::string HEALTHY = "keel: health check: kernel text and rodata unchanged, CPU protections as at boot: healthy";

using keel::test::Boot;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::string from(const std::string& text, const std::string& marker) {
    auto at = text.find(marker);
    return at == std::string::npos ? std::string() : text.substr(at);
}

TEST(RootTask, RunsInRing3WithWhatTheKernelGaveIt) {
    Boot b = boot_iso("keel-root-capabilities.iso");
    EXPECT_TRUE(has(b.serial, "root: 'root probe=capabilities' loaded: 3 segments")) << b.serial;
    EXPECT_TRUE(std::regex_search(
        b.serial,
        std::regex(
            R"(root: granted \d+ MiB of RAM in \d+ ranges at 0x400000000000 )"
            R"(\+ physical, 1 modules \(\d copied out of the kernel's pages\), TPM locality 0, 7 port ranges, 3 MSR ranges; )"
            R"(the kernel keeps a pool of \d+ KiB)")))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: running in ring 3, command line 'root probe=capabilities'")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: ABI 1, 1 CPU(s), 15 hypercalls")) << b.serial;
    EXPECT_TRUE(has(b.serial, "root: the root task powered the machine off")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// Each capability misuse answers with its documented status.
TEST(RootTask, CapabilityMisuseIsRefusedWithTheDocumentedStatus) {
    Boot b = boot_iso("keel-root-capabilities.iso");
    for (const char* line :
         {"semaphore up on an empty selector: bad capability (as documented)",
          "semaphore up after the revocation: bad capability (as documented)",
          "delegate RAM into a PD's kernel window: bad parameter (as documented)",
          "delegate RAM below the user half: bad parameter (as documented)",
          "delegate RAM to the top of a PD's guest-physical space: success (as documented)",
          "delegate RAM beyond it: bad parameter (as documented)",
          "delegate TPM locality 1: bad capability (as documented)",
          "delegate the kernel's image: bad capability (as documented)",
          "delegate COM1's ports: bad capability (as documented)", "delegate EFER: bad capability (as documented)",
          "delegate VM_HSAVE_PA: bad capability (as documented)",
          "delegate LSTAR, which the hardware switches with a guest: success (as documented)",
          "create a PD whose SCs run at priority 100 at most: success (as documented)",
          "create an SC from it at priority 101: bad parameter (as documented)",
          "create a PD from it with ceiling 200: bad parameter (as documented)"})
        EXPECT_TRUE(has(b.serial, std::string("[root] probe: ") + line)) << line << "\n" << b.serial;
    EXPECT_FALSE(has(b.serial, "UNEXPECTED")) << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
}

// The root task's output is marked and escaped: it cannot print a line
// that looks like the kernel's.
TEST(RootTask, ItsConsoleLinesAreMarkedAsItsOwn) {
    Boot b = boot_iso("keel-root-capabilities.iso");
    std::istringstream lines(b.serial);
    for (std::string line; std::getline(lines, line);)
        if (has(line, "probe:")) { EXPECT_EQ(line.rfind("[root] ", 0), 0u) << line; }
}

struct Probe {
    const char* name;
    unsigned vector;  // the exception that stops the root task
    const char* announce;
};

class Isolation : public testing::TestWithParam<Probe> {};

TEST_P(Isolation, TheAttemptFaultsAndOnlyTheRootTaskStops) {
    const Probe& p = GetParam();
    Boot b = boot_iso(std::string("keel-root-") + p.name + ".iso");
    EXPECT_TRUE(has(b.serial, std::string("[root] probe: ") + p.announce)) << b.serial;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        b.serial, m,
        std::regex(R"(root: the root task faulted \(vector (\d+), error 0x[0-9a-f]+\) at rip 0x(8040|4000)[0-9a-f]+)")))
        << b.serial;
    EXPECT_EQ(std::stoul(m[1]), p.vector) << b.serial;
    EXPECT_FALSE(has(b.serial, "[root] root: done")) << "nothing after the attempt ran\n" << b.serial;
    EXPECT_TRUE(has(from(b.serial, "root: the root task faulted"), HEALTHY)) << b.serial;
    EXPECT_FALSE(has(b.serial, "KEEL EXCEPTION")) << b.serial;
    // With its root task stopped, the kernel ends the run, intact.
    EXPECT_TRUE(has(b.serial, "user: no thread can run any more")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

INSTANTIATE_TEST_SUITE_P(Probes, Isolation,
                         testing::Values(Probe{"read-kernel", 14, "reading the kernel's image at 0x100000"},
                                         Probe{"write-kernel", 14, "writing the kernel's image at 0x100000"},
                                         Probe{"write-hip", 14, "writing the read-only information page"},
                                         Probe{"tpm-locality1", 14, "reading TPM locality 1"},
                                         Probe{"port-com1", 13, "reading COM1's line status"},
                                         Probe{"port-pci", 13, "writing the PCI configuration address"},
                                         Probe{"msr", 13, "reading MSR EFER"}, Probe{"cli", 13, "executing CLI"},
                                         // W^X for user pages, whatever rights the capability carries.
                                         Probe{"run-ram", 14, "running code written to RAM at 0x4000"},
                                         // No FPU or SIMD state a PD could leave behind for another.
                                         Probe{"fpu", 7, "loading 1.0 onto the x87 stack"},
                                         Probe{"sse", 6, "zeroing XMM0"}),
                         [](const testing::TestParamInfo<Probe>& info) {
                             std::string n = info.param.name;
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

// A PD the root task made, holding only the root task's code and one page
// of its own: each hostile act stops its thread alone, with the kernel's
// report, and the root task goes on.
void expect_child_stopped(const Boot& b, unsigned vector, const std::string& attempt) {
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(b.serial, m,
                          std::regex(R"(user: a thread of PD 0x[0-9a-f]+ faulted \(vector (\d+), error 0x[0-9a-f]+\) )"
                                     R"(at rip 0x8040[0-9a-f]+, address 0x([0-9a-f]+), with no portal to handle it; )"
                                     R"(it was stopped)")))
        << b.serial;
    EXPECT_EQ(std::stoul(m[1]), vector) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] probe: the child ran; its " + attempt + " did not complete (as documented)"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_TRUE(has(b.serial, "root: the root task powered the machine off")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

TEST(ChildPd, ReadingTheRootTasksMemoryFaultsInTheChildOnly) {
    Boot b = boot_iso("keel-root-child-reads-root.iso");
    expect_child_stopped(b, 14, "read");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(b.serial, m, std::regex(R"(reads the root task's data at 0x([0-9a-f]+))")))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "address 0x" + m[1].str() + ", with no portal")) << "the fault is at that address\n"
                                                                               << b.serial;
}

TEST(ChildPd, PortsNeverDelegatedFaultInTheChildOnly) {
    Boot b = boot_iso("keel-root-child-ports.iso");
    expect_child_stopped(b, 13, "port access");
}

TEST(ChildPd, CapabilitiesNeverGivenOrRevokedAreRefused) {
    Boot b = boot_iso("keel-root-child-capabilities.iso");
    for (const char* line :
         {"child: up on the semaphore it was given: success (as documented)",
          "child: up on a selector never given: bad capability (as documented)",
          "child: the kernel's health check: bad capability (as documented)",
          "child: create a PD: bad capability (as documented)",
          "child: up on the revoked semaphore: bad capability (as documented)",
          "the child's one up arrived: success (as documented)", "and only one: timeout (as documented)"})
        EXPECT_TRUE(has(b.serial, std::string("[root] probe: ") + line)) << line << "\n" << b.serial;
    EXPECT_FALSE(has(b.serial, "UNEXPECTED")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// Kernel-memory quotas: a child PD that makes semaphores without end runs
// out of its own quota (32 pages), not of the kernel's pool; the root task
// goes on making objects, the kernel stays healthy, and the whole quota
// comes back to the root task when the child goes.
TEST(KernelMemoryQuota, AChildThatFillsItsQuotaLeavesTheRootTaskAndTheKernelWhole) {
    Boot b = boot_iso("keel-root-child-quota.iso");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        b.serial, m,
        std::regex(R"(\[root\] probe: the child made (\d+) semaphores and used (\d+) of its (\d+) pages)")))
        << b.serial;
    EXPECT_GT(std::stoull(m[1]), 100u) << "it made objects until its quota ran out\n" << b.serial;
    EXPECT_EQ(m[3], "32");
    EXPECT_GE(std::stoull(m[2]) + 1, 32u) << "and used all of it\n" << b.serial;
    for (const char* line : {"child: the next semaphore: out of memory (as documented)",
                             "child: a PD with a quota it no longer has: out of memory (as documented)",
                             "a semaphore of the root task's: success (as documented)",
                             "revoke the child's PD, thread and SC: success (as documented)"})
        EXPECT_TRUE(has(b.serial, std::string("[root] probe: ") + line)) << line << "\n" << b.serial;
    ASSERT_TRUE(std::regex_search(
        b.serial, m,
        std::regex(
            R"(probe: the root task's kernel memory: (\d+) pages in use before the child, (\d+) after it went)")))
        << b.serial;
    const uint64_t before = std::stoull(m[1]), after = std::stoull(m[2]);
    EXPECT_LE(after, before + 4) << "the child's quota came back (a few slabs stay for the next objects)\n" << b.serial;
    EXPECT_FALSE(has(b.serial, "UNEXPECTED")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// Attack on the kernel's stack: a child with the right to create PDs builds
// a chain as deep as its quota allows, each PD holding the only capability
// to the next; the root task revokes the head. The kernel takes the whole
// chain down on its 16 KiB stack (a destroy that recursed per PD would run
// over it long before), stays healthy, and the root task gets its quota back.
TEST(PdChainRevoked, TheWholeChainGoesAndTheKernelStaysHealthy) {
    Boot b = boot_iso("keel-root-pd-chain.iso");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        b.serial, m,
        std::regex(R"(\[root\] probe: the chain is (\d+) PDs deep \(built\), the child used (\d+) of its 8192 pages)")))
        << b.serial;
    EXPECT_GE(std::stoull(m[1]), 64u) << "deep enough that a recursive destroy would need far more than 16 KiB\n"
                                      << b.serial;
    EXPECT_GE(std::stoull(m[2]) + 32, 8192u) << "the quota, not anything else, ended the chain\n" << b.serial;
    EXPECT_TRUE(
        std::regex_search(b.serial, std::regex(R"(it ended at step \d+ of the last PD with out of memory[\r\n])")))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] probe: revoke the chain's head, its thread and SC: success (as documented)"))
        << b.serial;
    ASSERT_TRUE(std::regex_search(
        b.serial, m,
        std::regex(
            R"(probe: the root task's kernel memory: (\d+) pages in use before the chain, (\d+) after it went)")))
        << b.serial;
    EXPECT_LE(std::stoull(m[2]), std::stoull(m[1]) + 4) << "the chain's quota came back\n" << b.serial;
    EXPECT_FALSE(has(b.serial, "UNEXPECTED")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// Without a measured launch there is no IOMMU the kernel could take over:
// no device can be assigned, and the root task gets no device registers
// (a device it could program could write anywhere, the kernel included).
TEST(DmaWithoutIommu, NoDeviceMemoryAndNoAssignment) {
    Boot b = boot_iso("keel-root-dma-assign.iso");
    EXPECT_TRUE(has(b.serial, "[root] probe: dma: no IOMMU taken over")) << b.serial;
    EXPECT_TRUE(
        has(b.serial, "[root] probe: dma: the information page lists 0 PCI functions and 0 device memory ranges"))
        << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] probe: assign_dev without an IOMMU: bad feature (as documented)")) << b.serial;
    EXPECT_FALSE(has(b.serial, "UNEXPECTED")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// A thread that never stops does not keep the CPU: the timer ends its
// quantum and the root task, at the same priority, runs in every round.
TEST(Preemption, ASpinningThreadDoesNotStarveAnotherOfItsPriority) {
    Boot b = boot_iso("keel-root-spin.iso");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(b.serial, m,
                                  std::regex(R"(probe: the root task ran again 5 times while the child spun \((\d+) )"
                                             R"(iterations, advancing in (\d) of 5 rounds\))")))
        << b.serial;
    EXPECT_GT(std::stoull(m[1]), 0u) << "the child ran" << b.serial;
    EXPECT_EQ(m[2], "5") << "and kept running between the root task's turns\n" << b.serial;
    EXPECT_TRUE(has(b.serial, "probe: without its SC the child stopped (as documented)")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// On one CPU, and on two: there the fuzzer's ECs, SCs and semaphores land
// on either CPU at random (cross-CPU wakes, kicks, kills, BadCpu).
class HypercallFuzzer : public testing::TestWithParam<unsigned> {};

TEST_P(HypercallFuzzer, RandomHypercallsFromRing3LeaveTheKernelHealthy) {
    Boot b = boot_iso("keel-root-fuzz.iso", GetParam());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(b.serial, m, std::regex(R"(\[root\] fuzz: (\d+) hypercalls from seed (\d+))")))
        << b.serial;
    uint64_t asked = std::stoull(m[1]);
    EXPECT_GE(asked, 100000u);
    ASSERT_TRUE(std::regex_search(b.serial, m, std::regex(R"(\[root\] fuzz: (\d+) calls made, (\d+) skipped)")))
        << b.serial;
    EXPECT_EQ(std::stoull(m[1]) + std::stoull(m[2]), asked) << b.serial;
    EXPECT_GE(std::stoull(m[1]), 100000u * 9 / 10) << "most calls reach the kernel\n" << b.serial;
    // Every kind of answer shows up: the calls reach deep, not only the decoder.
    for (const char* status : {"success", "bad hypercall", "bad capability", "bad parameter", "busy"})
        EXPECT_TRUE(has(from(b.serial, "calls made"), std::string(" ") + status + " ")) << status << "\n" << b.serial;
    EXPECT_TRUE(has(b.serial, HEALTHY)) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_FALSE(has(b.serial, "KEEL EXCEPTION")) << b.serial;
    EXPECT_FALSE(has(b.serial, "KEEL PANIC")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
    if (GetParam() > 1) { EXPECT_TRUE(has(from(b.serial, "calls made"), " bad cpu ")) << b.serial; }
}
INSTANTIATE_TEST_SUITE_P(Cpus, HypercallFuzzer, testing::Values(1u, 2u),
                         [](const auto& info) { return "cpus_" + std::to_string(info.param); });

}  // namespace
