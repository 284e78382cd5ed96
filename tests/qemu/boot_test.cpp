// Boots the real ISO in QEMU and asserts on what an operator would see:
// the serial transcript, the exit status, and the live page tables as the
// QEMU monitor reports them. One boot per test suite; each TEST checks one
// property of that boot.
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <sstream>

#include "qemu_machine.hpp"

using keel::test::iso_path;
using keel::test::QemuConfig;
using keel::test::QemuMachine;
using namespace std::chrono_literals;

namespace {

constexpr auto BOOT_TIMEOUT = 180s;
// QEMU's isa-debug-exit status is (code << 1) | 1; codes from kernel/power.hpp.
constexpr int EXIT_SUCCESS_STATUS = 33;
constexpr int EXIT_PANIC_STATUS = 35;
constexpr int EXIT_NO_VIRTUALIZATION_STATUS = 37;
constexpr int EXIT_GUEST_FAILED_STATUS = 39;

// What the built-in guest (vmm/realmode/test_guest.S) prints, one byte per OUT.
const std::string GREETING = "Hello from the Keel test guest! CPU vendor: ";
const std::string VENDOR = "AuthenticAMD";  // what QEMU's EPYC model reports, passed through by the VMM

QemuConfig iso_config(const std::string& iso_name) {
    QemuConfig c;
    c.iso = iso_path(iso_name);
    return c;
}

using keel::test::Boot;

Boot boot_to_end(QemuConfig config) { return keel::test::boot_to_end(std::move(config), BOOT_TIMEOUT); }

std::string from(const std::string& text, const std::string& marker) {
    auto at = text.find(marker);
    return at == std::string::npos ? std::string() : text.substr(at);
}

// ---------------------------------------------------------------------------
class SvmGuestBoot : public testing::Test {
protected:
    static void SetUpTestSuite() { boot = new Boot(boot_to_end(iso_config("keel-qemu.iso"))); }
    static void TearDownTestSuite() { delete boot; }
    static const std::string& serial() { return boot->serial; }
    static Boot* boot;
};
Boot* SvmGuestBoot::boot = nullptr;

TEST_F(SvmGuestBoot, PrintsTheBanner) {
    EXPECT_NE(serial().find("Keel microhypervisor 0.1.0 (x86_64)"), std::string::npos) << serial();
    EXPECT_NE(serial().find("boot: loader 'GRUB"), std::string::npos) << serial();
    EXPECT_NE(serial().find("command line 'debug-exit=0xf4'"), std::string::npos) << serial();
}

TEST_F(SvmGuestBoot, PrintsTheMemoryMapFromMultiboot2) {
    // QEMU's 512 MiB machine: conventional memory and the RAM above 1 MiB.
    EXPECT_TRUE(std::regex_search(serial(), std::regex("mem: 0x0000000000000000-0x000000000009[0-9a-f]{4} usable")))
        << serial();
    EXPECT_TRUE(std::regex_search(serial(), std::regex("mem: 0x0000000000100000-0x000000001ff[0-9a-f]{5} usable")))
        << serial();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(serial(), m, std::regex("mem: ([0-9]+) KiB usable in ([0-9]+) regions")));
    unsigned long kib = std::stoul(m[1]);
    EXPECT_GT(kib, 500u * 1024);
    EXPECT_LE(kib, 512u * 1024);
    ASSERT_TRUE(std::regex_search(serial(), m, std::regex("frames: ([0-9]+) free pages")));
    EXPECT_GT(std::stoul(m[1]), 120000u);  // nearly all of it is handed to the frame allocator
}

TEST_F(SvmGuestBoot, ReportsItsOwnMappingsWithoutWritableExecutable) {
    EXPECT_NE(serial().find("writable+executable"), std::string::npos) << serial();
    EXPECT_TRUE(std::regex_search(serial(), std::regex("paging: [0-9]+ mappings, [0-9]+ MiB, 0 writable\\+executable")))
        << serial();
}

TEST_F(SvmGuestBoot, RunsTheLocalApicTimer) {
    EXPECT_TRUE(std::regex_search(
        serial(), std::regex("lapic: at 0xfee00000, timer 250 Hz \\([1-9][0-9]* bus ticks/ms\\), 1[3-9] ticks seen")))
        << serial();
}

TEST_F(SvmGuestBoot, DetectsSvmWithNestedPaging) {
    EXPECT_TRUE(
        std::regex_search(serial(), std::regex("virt: AMD SVM available with nested paging \\([0-9]+ ASIDs\\)")))
        << serial();
}

TEST_F(SvmGuestBoot, PowersOffCleanly) {
    ASSERT_TRUE(boot->status.has_value()) << "QEMU did not end within the time limit\n" << serial();
    EXPECT_EQ(*boot->status, EXIT_SUCCESS_STATUS) << serial();
    EXPECT_NE(serial().find("keel: powering off"), std::string::npos);
    EXPECT_EQ(serial().find("EXCEPTION"), std::string::npos);
}

// ---------------------------------------------------------------------------
// The same ISO under UEFI firmware (OVMF): GRUB's EFI build loads Keel, the
// memory map comes from UEFI, and the guest runs as under BIOS.
TEST(UefiBoot, RunsTheTestGuestUnderOvmf) {
    QemuConfig config = iso_config("keel-qemu.iso");
    config.firmware = keel::test::ovmf_path();
    Boot b = boot_to_end(config);
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_NE(b.serial.find("Keel microhypervisor 0.1.0 (x86_64)"), std::string::npos) << b.serial;
    // UEFI reports ACPI NVS and runtime regions that SeaBIOS does not.
    EXPECT_NE(b.serial.find("ACPI NVS"), std::string::npos) << b.serial;
    // OVMF's GRUB loads small modules into the low memory the kernel keeps:
    // they reach the root task as copies, and the VM runs from them.
    EXPECT_TRUE(std::regex_search(b.serial, std::regex(R"(4 modules \([1-4] copied out of the kernel's pages\))")))
        << b.serial;
    EXPECT_NE(b.serial.find("guest: " + GREETING + VENDOR), std::string::npos) << b.serial;
    EXPECT_TRUE(std::regex_search(b.serial, std::regex("vm: exits NPF +1\r?\n"))) << b.serial;
    EXPECT_NE(b.serial.find(": guest passed"), std::string::npos) << b.serial;
    EXPECT_EQ(b.serial.find("error:"), std::string::npos) << "GRUB complained:\n" << b.serial;
}

// ---------------------------------------------------------------------------
// A guest handed over as a Multiboot2 module (tests/qemu/module_guest.S)
// replaces the built-in one.
TEST(ModuleGuestBoot, RunsTheGuestGivenAsAMultiboot2Module) {
    Boot b = boot_to_end(iso_config("keel-test-module.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_TRUE(
        std::regex_search(b.serial, std::regex("vmm: starting the module-guest \\([0-9]+ bytes\\) at 1000:0000")))
        << b.serial;
    EXPECT_EQ(b.serial.find("Hello from the Keel test guest"), std::string::npos) << b.serial;
    EXPECT_NE(b.serial.find("guest: module guest says hello"), std::string::npos) << b.serial;
    EXPECT_NE(b.serial.find("vmm: guest wrote 0x1234abcd to port 0x10 (4 bytes)"), std::string::npos) << b.serial;
    // The stack at the top of the 64 KiB segment was mapped on first touch.
    EXPECT_NE(b.serial.find("vmm: nested page fault at guest-physical 0x1f"), std::string::npos) << b.serial;
    EXPECT_NE(b.serial.find("vm: guest stopped on HLT"), std::string::npos) << b.serial;
}

TEST(ModuleGuestBoot, RefusesAnImageThatDoesNotFitItsSegment) {
    Boot b = boot_to_end(iso_config("keel-test-oversized.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_GUEST_FAILED_STATUS) << b.serial;
    EXPECT_NE(b.serial.find("root: VM too-big: guest image 'guest too-big' is 61441 bytes; a real-mode image must "
                            "have 1 to 61440"),
              std::string::npos)
        << b.serial;
    EXPECT_NE(b.serial.find("[root] root: 0 of 1 VMs passed"), std::string::npos) << b.serial;
    EXPECT_EQ(b.serial.find("EXCEPTION"), std::string::npos) << b.serial;
}

// ---------------------------------------------------------------------------
// Exceptions a guest could use against the host are intercepted: #DB here
// (single-step), which could otherwise be made to recur during its own delivery.
TEST(GuestIsolation, DebugExceptionExitsToTheVmm) {
    Boot b = boot_to_end(iso_config("keel-test-debug-trap.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_GUEST_FAILED_STATUS) << b.serial;  // the VMM does not emulate #DB: it ends the VM
    EXPECT_NE(b.serial.find("guest: raising #DB"), std::string::npos) << b.serial;
    EXPECT_NE(b.serial.find("vm: exits EXCEPTION 1"), std::string::npos) << b.serial;
    EXPECT_NE(b.serial.find("vm: guest stopped on EXCEPTION (vector 1)"), std::string::npos) << b.serial;
    EXPECT_EQ(b.serial.find("was not intercepted"), std::string::npos) << b.serial;
}

// A guest that loads its own task register must not leave it in the host:
// the host's NMI, taken on an IST stack found through TR, must still work.
TEST(GuestIsolation, HostTakesNmisOnItsOwnStackAfterAGuestLoadedATaskRegister) {
    Boot b = boot_to_end(iso_config("keel-test-task-register.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_SUCCESS_STATUS) << b.serial;
    EXPECT_NE(b.serial.find("guest: loaded a task register of its own"), std::string::npos) << b.serial;
    const std::string tail = from(b.serial, "selftest: sending an NMI");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(tail, m, std::regex("keel: NMI received at rip 0x[0-9a-f]+ on stack 0x([0-9a-f]+)")))
        << b.serial;
    // The NMI's IST stack lies in the kernel image (its data ends where the
    // paging line says), nowhere near the guest's TSS at 0x500000.
    std::smatch image;
    ASSERT_TRUE(std::regex_search(b.serial, image, std::regex("data 0x[0-9a-f]+-0x([0-9a-f]+) RW\\+NX"))) << b.serial;
    EXPECT_LT(std::stoull(m[1], nullptr, 16), std::stoull(image[1], nullptr, 16)) << tail;
    EXPECT_LT(std::stoull(image[1], nullptr, 16), 0x500000u) << b.serial;
    EXPECT_NE(b.serial.find("vm: guest stopped on HLT"), std::string::npos) << b.serial;
}

// ---------------------------------------------------------------------------
TEST(NoNxBoot, StopsWithAClearMessage) {
    QemuConfig config = iso_config("keel-qemu.iso");
    config.cpu = "EPYC,+svm,+npt,-nx";
    QemuMachine qemu(config);
    qemu.start();
    // It halts before it has read its command line, so it cannot power off: wait for the words.
    EXPECT_TRUE(qemu.wait_for_serial("keel: this CPU has no no-execute (NX) pages, which W^X needs; halting", 60s))
        << qemu.serial();
    EXPECT_EQ(qemu.serial().find("Keel microhypervisor"), std::string::npos) << qemu.serial();
}

// ---------------------------------------------------------------------------
TEST(NoSvmBoot, EndsWithAClearMessageNotACrash) {
    QemuConfig config = iso_config("keel-qemu.iso");
    config.cpu = "qemu64,-svm";
    Boot b = boot_to_end(config);
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_NO_VIRTUALIZATION_STATUS) << b.serial;
    EXPECT_NE(b.serial.find("virt: AMD SVM not supported by this CPU (CPUID 8000_0001h ECX bit 2 is clear)"),
              std::string::npos)
        << b.serial;
    EXPECT_NE(b.serial.find("keel: this machine cannot run guests; stopping"), std::string::npos) << b.serial;
    EXPECT_EQ(b.serial.find("EXCEPTION"), std::string::npos) << b.serial;
    EXPECT_EQ(b.serial.find("guest:"), std::string::npos) << b.serial;
}

// ---------------------------------------------------------------------------
TEST(ExceptionBoot, InvalidOpcodePrintsARegisterDumpAndHalts) {
    Boot b = boot_to_end(iso_config("keel-test-ud.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_PANIC_STATUS) << b.serial;
    const std::string dump = from(b.serial, "*** KEEL EXCEPTION");
    EXPECT_NE(dump.find("#UD invalid opcode (vector 6, error code 0x0)"), std::string::npos) << b.serial;
    EXPECT_TRUE(std::regex_search(dump, std::regex("RIP=0000000000[0-9a-f]{6} CS=0008"))) << dump;
    for (const char* reg : {"RAX=", "RBX=", "R15=", "CR3=", "RFLAGS="})
        EXPECT_NE(dump.find(reg), std::string::npos) << reg;
    EXPECT_EQ(b.serial.find("virt:"), std::string::npos) << "the kernel went on after the exception";
}

TEST(ExceptionBoot, PageFaultReportsTheFaultingAddress) {
    Boot b = boot_to_end(iso_config("keel-test-pf.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_PANIC_STATUS) << b.serial;
    const std::string dump = from(b.serial, "*** KEEL EXCEPTION");
    EXPECT_NE(dump.find("#PF page fault (vector 14, error code 0x0)"), std::string::npos) << b.serial;
    EXPECT_NE(dump.find("CR2=0000000000000000"), std::string::npos) << dump;
}

TEST(ExceptionBoot, StackOverflowHitsTheGuardPageAndEndsInADoubleFaultDump) {
    Boot b = boot_to_end(iso_config("keel-test-stack.iso"));
    ASSERT_TRUE(b.status.has_value()) << b.serial;
    EXPECT_EQ(*b.status, EXIT_PANIC_STATUS) << b.serial;
    std::smatch guard, cr2;
    ASSERT_TRUE(std::regex_search(b.serial, guard, std::regex("guard page at 0x([0-9a-f]+) unmapped"))) << b.serial;
    const std::string dump = from(b.serial, "*** KEEL EXCEPTION");
    // The #PF on the guard page cannot push its frame there either; the
    // double fault runs on its own IST stack and still prints.
    EXPECT_NE(dump.find("#DF double fault (vector 8"), std::string::npos) << b.serial;
    ASSERT_TRUE(std::regex_search(dump, cr2, std::regex("CR2=([0-9a-f]{16})"))) << dump;
    uint64_t guard_page = std::stoull(guard[1], nullptr, 16), fault = std::stoull(cr2[1], nullptr, 16);
    EXPECT_EQ(fault & ~0xfffull, guard_page) << dump;
}

// ---------------------------------------------------------------------------
// Reads the live kernel page tables through QEMU's monitor (`info tlb`).
class KernelMappings : public testing::Test {
protected:
    struct Mapping {
        uint64_t va;
        bool writable, executable;
    };

    static void SetUpTestSuite() {
        QemuConfig config = iso_config("keel-test-hold.iso");
        config.monitor = true;
        qemu = new QemuMachine(config);
        qemu->start();
        held = qemu->wait_for_serial("keel: holding for inspection", BOOT_TIMEOUT);
        if (!held) return;
        raw = qemu->monitor_command("info tlb");
        // e.g. "0000000000100000: 0000000000100000 ------A--"  (flags: X G P D A C T U W)
        std::regex line("([0-9a-f]{16}): ([0-9a-f]{16}) ([-X])([-G])([-P])([-D])([-A])([-C])([-T])([-U])([-W])");
        for (auto it = std::sregex_iterator(raw.begin(), raw.end(), line); it != std::sregex_iterator(); ++it)
            mappings.push_back({std::stoull((*it)[1], nullptr, 16), (*it)[11] == "W", (*it)[3] != "X"});
    }
    static void TearDownTestSuite() {
        if (qemu && held) qemu->monitor_command("quit");
        delete qemu;
    }
    static const Mapping* find(uint64_t va) {
        for (const auto& m : mappings)
            if (m.va == va) return &m;
        return nullptr;
    }

    static QemuMachine* qemu;
    static bool held;
    static std::string raw;
    static std::vector<Mapping> mappings;
};
QemuMachine* KernelMappings::qemu = nullptr;
bool KernelMappings::held = false;
std::string KernelMappings::raw;
std::vector<KernelMappings::Mapping> KernelMappings::mappings;

TEST_F(KernelMappings, NoMappingIsBothWritableAndExecutable) {
    ASSERT_TRUE(held) << qemu->serial();
    ASSERT_GT(mappings.size(), 100u) << "could not read the page tables:\n" << raw;
    for (const auto& m : mappings) EXPECT_FALSE(m.writable && m.executable) << std::hex << "W+X mapping at 0x" << m.va;
}

TEST_F(KernelMappings, KernelTextIsExecutableAndReadOnly) {
    ASSERT_TRUE(held) << qemu->serial();
    const Mapping* text = find(0x100000);
    ASSERT_NE(text, nullptr) << raw;
    EXPECT_TRUE(text->executable);
    EXPECT_FALSE(text->writable);
}

TEST_F(KernelMappings, PageZeroIsNotMapped) {
    ASSERT_TRUE(held) << qemu->serial();
    ASSERT_GT(mappings.size(), 0u) << raw;
    EXPECT_EQ(find(0), nullptr);
    EXPECT_NE(find(0x1000), nullptr);
}

}  // namespace
