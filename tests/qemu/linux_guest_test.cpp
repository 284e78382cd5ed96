// Unmodified Linux under the Linux VMM (vmm/linux): Debian's cloud kernel,
// exactly as the package ships it, boots through the Linux boot protocol
// on the PC the VMM emulates, runs its busybox initramfs to the marker and
// halts; only its VM ends, and the host stays healthy.
#include <gtest/gtest.h>

#include <ctime>
#include <regex>

#include "qemu_machine.hpp"

using keel::test::Boot;
using keel::test::boot_iso;

namespace {

constexpr int EXIT_SUCCESS_STATUS = 33;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

class LinuxGuest : public testing::Test {
protected:
    static void SetUpTestSuite() { b = new Boot(boot_iso("keel-linux-one.iso")); }
    static void TearDownTestSuite() { delete b; }
    static Boot* b;
};
Boot* LinuxGuest::b = nullptr;

TEST_F(LinuxGuest, TheVmmLoadsTheBzImageByTheBootProtocol) {
    EXPECT_TRUE(std::regex_search(b->serial, std::regex(R"(\[lin1\] vmm: Linux boot protocol 2\.\d+, kernel \d+ bytes )"
                                                        R"(at 0x100000, initrd \d+ bytes at 0x[0-9a-f]+, 128 MiB)")))
        << b->serial;
    // The kernel's own account: the command line of the configuration, the
    // memory map the VMM wrote, the initrd where the VMM put it.
    EXPECT_TRUE(has(b->serial, "[lin1] guest: [    0.000000] Linux version 6.")) << b->serial;
    EXPECT_TRUE(has(b->serial, "Command line: console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr panic=-1"))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable")) << b->serial;
    EXPECT_TRUE(has(b->serial, "BIOS-e820: [mem 0x00000000000e0000-0x00000000000fffff] reserved")) << b->serial;
    EXPECT_TRUE(std::regex_search(b->serial, std::regex(R"(RAMDISK: \[mem 0x[0-9a-f]+-0x0*7ffffff\])"))) << b->serial;
}

TEST_F(LinuxGuest, ItsDevicesAreThePcsLinuxExpects) {
    // The 8259 pair found and used for the timer; the RTC read.
    EXPECT_FALSE(has(b->serial, "Using NULL legacy PIC")) << b->serial;
    EXPECT_FALSE(has(b->serial, "Unable to read current time from RTC")) << b->serial;
    EXPECT_TRUE(std::regex_search(
        b->serial, std::regex(R"(serial8250: ttyS0 at I/O 0x3f8 \(irq = 4, base_baud = \d+\) is a 16550A)")))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "Calibrating delay loop")) << "the timer interrupt came: " << b->serial;
}

TEST_F(LinuxGuest, ItFindsTheAcpiTablesAndUsesThePmTimer) {
    EXPECT_TRUE(has(b->serial, "ACPI: RSDP 0x00000000000E0000")) << b->serial;
    EXPECT_TRUE(has(b->serial, "ACPI: PM-Timer IO Port: 0x608")) << b->serial;
    EXPECT_TRUE(has(b->serial, "ACPI: PM: (supports S0 S5)")) << b->serial;
    EXPECT_TRUE(has(b->serial, "clocksource: Switched to clocksource acpi_pm")) << b->serial;
    EXPECT_FALSE(has(b->serial, "ACPI BIOS Error")) << b->serial;
}

// The guest's clock is the host's (QEMU's RTC is the machine's UTC time):
// the root task read it and the VMM's RTC started there, not at 1970.
TEST_F(LinuxGuest, ItsClockIsTheHostsNotNineteenSeventy) {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    const std::string year = std::to_string(utc.tm_year + 1900);
    EXPECT_TRUE(has(b->serial, "[root] root: the host's clock says " + year + "-")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[lin1] guest: KEEL-LINUX-GUEST-lin1 cpus=1 year=" + year)) << b->serial;
}

TEST_F(LinuxGuest, ItRunsItsInitramfsToTheMarkerAndPowersOff) {
    EXPECT_TRUE(has(b->serial, "[lin1] guest: KEEL-LINUX-GUEST-lin1 cpus=1")) << b->serial;
    EXPECT_TRUE(has(b->serial, "ACPI: PM: Preparing to enter system sleep state S5")) << b->serial;
    EXPECT_TRUE(std::regex_search(b->serial, std::regex(R"(\[lin1\] vm: guest stopped on IOIO at rip 0x[0-9a-f]+ )"
                                                        R"(\(it powered off \(ACPI S5\)\))")))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "[root] root: 1 of 1 VMs passed")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[root] root: the kernel says it is healthy")) << b->serial;
    EXPECT_EQ(b->status, EXIT_SUCCESS_STATUS) << b->serial;
    EXPECT_FALSE(has(b->serial, "KEEL EXCEPTION")) << b->serial;
    EXPECT_FALSE(has(b->serial, "Kernel panic")) << b->serial;
}

// What the PC gives Linux, Linux finds as it expects: no MSR it reads
// faults (the APIC base among them), no XSAVE size disagrees with the XCR0
// it set, and it prints no warning with a call trace.
TEST_F(LinuxGuest, ItsBootLogHasNoCallTrace) {
    EXPECT_FALSE(has(b->serial, "unchecked MSR access error")) << b->serial;
    EXPECT_FALSE(has(b->serial, "XSAVE consistency problem")) << b->serial;
    EXPECT_FALSE(has(b->serial, "Call Trace")) << b->serial;
}

}  // namespace

namespace {

using keel::test::boot_to_end;
using keel::test::iso_path;
using keel::test::QemuConfig;

Boot boot_with(const std::string& iso, unsigned cpus, unsigned memory_mib) {
    QemuConfig c;
    c.iso = iso_path(iso);
    c.cpus = cpus;
    c.memory_mib = memory_mib;
    return boot_to_end(std::move(c), std::chrono::seconds(300));
}

// Three Linux guests, each in its own VMM PD with its own RAM, on two CPUs
// (two of them share CPU 0): all three reach their own marker; lin2 has two
// vCPUs, on both CPUs, and its `nproc` counts both.
TEST(LinuxGuests, ThreeAtOnceEachReachesItsOwnMarker) {
    Boot b = boot_with("keel-linux-three.iso", 2, 1024);
    for (const char* vm : {"lin1", "lin2", "lin3"}) {
        std::string name(vm);
        const char* cpus = name == "lin2" ? " cpus=2" : " cpus=1";
        EXPECT_TRUE(has(b.serial, "[" + name + "] guest: KEEL-LINUX-GUEST-" + name + cpus)) << name << b.serial;
        EXPECT_TRUE(has(b.serial, "[" + name + "] vm: guest stopped on IOIO")) << name << b.serial;
        // No guest prints another's marker: each has its own initramfs.
        for (const char* other : {"lin1", "lin2", "lin3"})
            if (std::string(other) != name) {
                EXPECT_FALSE(has(b.serial, "[" + name + "] guest: KEEL-LINUX-GUEST-" + other)) << b.serial;
            }
    }
    EXPECT_TRUE(has(b.serial, "[lin2] vmm: starting Linux guest lin2 on CPU 1, its other vCPUs on CPU 0")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[lin2] guest: [") && has(b.serial, "smp: Brought up 1 node, 2 CPUs")) << b.serial;
    EXPECT_FALSE(has(b.serial, "Call Trace")) << b.serial;  // e.g. from the second vCPU's start
    EXPECT_TRUE(has(b.serial, "[root] root: 3 of 3 VMs passed")) << b.serial;
    EXPECT_TRUE(has(b.serial, "[root] root: the kernel says it is healthy")) << b.serial;
    EXPECT_EQ(b.status, EXIT_SUCCESS_STATUS) << b.serial;
}

// A hostile guest on the same CPU as a Linux guest: what it reads from TPM
// localities 1 and 4 and from beyond its RAM is all ones (nothing answers:
// it never reaches the host's TPM or memory); its triple fault ends its VM
// alone; the Linux guest boots on and the host stays healthy.
class HostileLinuxGuest : public testing::Test {
protected:
    static void SetUpTestSuite() { b = new Boot(boot_with("keel-linux-hostile.iso", 1, 512)); }
    static void TearDownTestSuite() { delete b; }
    static Boot* b;
};
Boot* HostileLinuxGuest::b = nullptr;

TEST_F(HostileLinuxGuest, GetsNothingFromTheTpmOrBeyondItsRam) {
    // It has the TPM: locality 0 is mapped for it, 1-4 are not.
    EXPECT_TRUE(has(b->serial, "[evil] vmm: the guest gets TPM locality 0")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[evil] guest: HOSTILE tpm1=ff tpm4=ffffffff beyond=ffffffff")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[evil] vm: device accesses 6")) << b->serial;
}

// Its INIT and start-up messages for a second vCPU and its NMI reach
// nothing with one vCPU; with two, the second starts in real mode at the
// page they name, sets a word there and halts for good, and only the NMI
// and the repeated start-up are left over.
TEST_F(HostileLinuxGuest, ItsStartUpMessagesStartOnlyAVcpuItHas) {
    EXPECT_TRUE(has(b->serial, "[evil] guest: HOSTILE ap=0")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[evil] vm: APIC messages no vCPU took (NMI, INIT, start-up) 4")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[two] guest: HOSTILE ap=1")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[two] vm: APIC messages no vCPU took (NMI, INIT, start-up) 2")) << b->serial;
}

TEST_F(HostileLinuxGuest, ItsTripleFaultEndsOnlyItsVm) {
    EXPECT_TRUE(std::regex_search(
        b->serial, std::regex(R"(\[evil\] vm: guest stopped on SHUTDOWN at rip 0x[0-9a-f]+ \(it triple-faulted\))")))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "[lin1] guest: KEEL-LINUX-GUEST-lin1 cpus=1")) << b->serial;
    // With a second vCPU halted for good: the VM ends all the same.
    EXPECT_TRUE(std::regex_search(
        b->serial,
        std::regex(R"(\[two\] vm: guest stopped on SHUTDOWN at rip 0x[0-9a-f]+ \(it triple-faulted\), vCPU 0 of 2)")))
        << b->serial;
    EXPECT_TRUE(has(b->serial, "[root] root: 1 of 3 VMs passed")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[root] root: the kernel says it is healthy")) << b->serial;
    EXPECT_FALSE(has(b->serial, "KEEL EXCEPTION")) << b->serial;
}

TEST_F(HostileLinuxGuest, WhatCannotRunAsWrittenIsRefusedWithTheReason) {
    EXPECT_TRUE(has(b->serial, "[root] root: config line 9: mem= must be 96 to 2048 (MiB); skipped")) << b->serial;
    EXPECT_FALSE(has(b->serial, "[small]")) << b->serial;
    EXPECT_TRUE(has(b->serial, "[root] root: config line 11: VM evil has the TPM already: one VM gets it; skipped"))
        << b->serial;
    EXPECT_FALSE(has(b->serial, "[three]")) << b->serial;
}

}  // namespace
