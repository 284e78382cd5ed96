// keel measure as a user runs it: a GRUB entry and the files it names in, a
// prediction or a one-line error with exit status 2 out, never a crash.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eventlog/run_command.hpp"

using namespace keel::test;

namespace {

// An ISO-like tree: boot/grub/grub.cfg, the real pre-launch stage (for its
// SLB) and two small "modules".
class MeasureTree : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(dir.path() / "boot/grub");
        std::filesystem::copy_file(KEEL_PRELAUNCH_ELF, dir.path() / "boot/keel-prelaunch.elf");
        dir.write("boot/keel.elf", "hypervisor bytes");
        dir.write("boot/guest.bin", "guest bytes");
    }
    CommandResult measure(const std::string& cfg, std::vector<std::string> extra = {}) {
        auto path = dir.write("boot/grub/grub.cfg", cfg);
        std::vector<std::string> args = {"measure", "--grub-cfg", path.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_command(KEEL_CLI, args);
    }
    ScratchDir dir;
};

const char* GOOD =
    "menuentry \"Keel\" {\n  multiboot2 /boot/keel-prelaunch.elf\n  module2 /boot/keel.elf debug-exit=0xf4\n"
    "  module2 /boot/guest.bin guest demo\n}\n";

}  // namespace

TEST_F(MeasureTree, PredictsEveryComponentInLaunchOrder) {
    auto out = dir.path() / "reference.json";
    auto r = measure(GOOD, {"--banks", "sha256", "-o", out.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    auto ref = nlohmann::json::parse(slurp(out));
    ASSERT_EQ(ref["components"].size(), 8u);
    EXPECT_EQ(ref["components"][0]["name"], "slb");
    EXPECT_EQ(ref["components"][1]["name"], "slb-loader");
    EXPECT_EQ(ref["components"][2]["name"], "hypervisor");
    EXPECT_EQ(ref["components"][2]["detail"], "debug-exit=0xf4");
    EXPECT_EQ(ref["components"][3]["name"], "launch-manifest");
    EXPECT_EQ(ref["components"][3]["detail"], "hypervisor@17 guest@19");
    EXPECT_EQ(ref["components"][4]["name"], "guest");
    EXPECT_EQ(ref["components"][4]["pcr"], 19);
    // Last, how the SLB was started: without 'platform-emulator' on the
    // pre-launch stage's line, by the CPU's SKINIT.
    EXPECT_EQ(ref["components"][5]["name"], "launch-method");
    EXPECT_EQ(ref["components"][5]["pcr"], 18);
    EXPECT_EQ(ref["components"][5]["detail"], "SKINIT");
    // Then that the SLB blocked all device DMA (unless booted with dma-unprotected).
    EXPECT_EQ(ref["components"][6]["name"], "dma-protection");
    EXPECT_EQ(ref["components"][6]["detail"], "AMD-Vi: all device DMA blocked");
    // Last the host's memory map: with none given, host-specific, and PCR 18
    // (which it extends) is not predicted.
    EXPECT_EQ(ref["components"][7]["name"], "memory-map");
    EXPECT_EQ(ref["components"][7]["pcr"], 18);
    EXPECT_EQ(ref["components"][7]["host_specific"], true);
    EXPECT_FALSE(ref["components"][7].contains("digests"));
    EXPECT_FALSE(ref["pcrs"]["sha256"].contains("18"));
    EXPECT_NE(r.out.find("PCR 18: depends on the host's memory map"), std::string::npos) << r.out;
    EXPECT_EQ(ref["pcrs"]["sha256"]["19"].get<std::string>().size(), 64u);
}

// QEMU q35 with SeaBIOS and 512 MiB, as the hypervisor prints it.
const char* MAP = "# a comment, then a blank line\n\n"
                  "0x0000000000000000-0x000000000009fbff usable\n"
                  "0x000000000009fc00-0x000000000009ffff reserved\n"
                  "0x00000000000f0000-0x00000000000fffff reserved\n"
                  "0x0000000000100000-0x000000001ffcefff usable\n"
                  "0x000000001ffcf000-0x000000001fffffff ACPI NVS\n"
                  "0x00000000fed1c000-0x00000000fed1ffff type 20\n";

TEST_F(MeasureTree, PredictsPcr18FromAMemoryMapFile) {
    auto map = dir.write("host.map", MAP);
    auto out = dir.path() / "reference.json";
    auto r = measure(GOOD, {"--banks", "sha256", "--memory-map", map.string(), "-o", out.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    auto ref = nlohmann::json::parse(slurp(out));
    auto& c = ref["components"][7];
    EXPECT_FALSE(c.contains("host_specific"));
    // The SLB's spelling: no leading zeros, one line per entry.
    EXPECT_EQ(c["detail"],
              "0x0-0x9fbff usable\n0x9fc00-0x9ffff reserved\n0xf0000-0xfffff reserved\n"
              "0x100000-0x1ffcefff usable\n0x1ffcf000-0x1fffffff ACPI NVS\n0xfed1c000-0xfed1ffff type 20\n");
    EXPECT_EQ(c["digests"]["sha256"].get<std::string>().size(), 64u);
    ASSERT_TRUE(ref["pcrs"]["sha256"].contains("18"));
    // Another map, another PCR 18; PCR 17 and 19 do not depend on it.
    std::string other = MAP;
    other.replace(other.find("1ffcefff"), 8, "1ffbefff");
    other.replace(other.find("1ffcf000"), 8, "1ffbf000");
    auto out2 = dir.path() / "other.json";
    ASSERT_EQ(measure(GOOD, {"--banks", "sha256", "--memory-map", dir.write("other.map", other).string(), "-o",
                             out2.string()})
                  .status,
              0);
    auto ref2 = nlohmann::json::parse(slurp(out2));
    EXPECT_NE(ref2["pcrs"]["sha256"]["18"], ref["pcrs"]["sha256"]["18"]);
    EXPECT_EQ(ref2["pcrs"]["sha256"]["17"], ref["pcrs"]["sha256"]["17"]);
    EXPECT_EQ(ref2["pcrs"]["sha256"]["19"], ref["pcrs"]["sha256"]["19"]);
}

// A map the SLB would refuse is not predicted: keel measure says which line.
TEST_F(MeasureTree, RefusesAMemoryMapTheLoaderWouldRefuse) {
    struct Case {
        const char* map;
        const char* says;
    } cases[] = {
        {"0x0-0x9ffff usable\nnonsense\n", "host.map:2: expected \"0x<base>-0x<last> <type>\""},
        {"0x1000-0xfff usable\n", "host.map:1: the entry ends before it starts"},
        {"0x0-0x9ffff free\n", "host.map:1: unknown memory type \"free\""},
        {"0x0-0xffffffffffffffff usable\n", "whole 64-bit address space"},
        {"0x100000-0x1fffff usable\n0x0-0x9ffff usable\n", "overlaps or precedes"},
        {"0x100000-0x1fffff usable\n0x180000-0x2fffff reserved\n", "overlaps or precedes"},
        {"0x0-0xbffff usable\n", "device window"},
        {"0x100000-0xfee00fff usable\n", "device window"},
        {"# nothing\n", "no memory map"},
    };
    for (const auto& c : cases) {
        auto r = measure(GOOD, {"--memory-map", dir.write("host.map", c.map).string()});
        EXPECT_EQ(r.status, 2) << c.map << r.out << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.map << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    auto log = dir.write("not-a-log.bin", "garbage");
    auto r = measure(GOOD, {"--memory-map-from-log", log.string()});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("not a TCG event log"), std::string::npos) << r.err;
    r = measure(GOOD, {"--memory-map-from-log", log.string(), "--memory-map", log.string()});
    EXPECT_NE(r.status, 0) << "one map or the other";
}

TEST_F(MeasureTree, PredictsTheEmulatedLaunchWhereThePreLaunchStageIsBootedForIt) {
    std::string cfg = GOOD;
    cfg.replace(cfg.find("keel-prelaunch.elf"), 18, "keel-prelaunch.elf platform-emulator");
    auto out = dir.path() / "emulated.json";
    auto map = dir.write("host.map", "0x0-0x9fbff usable\n0x100000-0x1ffcefff usable\n").string();
    auto r = measure(cfg, {"--banks", "sha256", "--memory-map", map, "-o", out.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    auto emulated = nlohmann::json::parse(slurp(out));
    EXPECT_EQ(emulated["components"][5]["detail"], "emulated SKINIT (keel-platform)");
    // The override says what a CPU with SKINIT does with the same configuration.
    auto hw = dir.path() / "hardware.json";
    ASSERT_EQ(
        measure(cfg, {"--banks", "sha256", "--memory-map", map, "--launch-method", "skinit", "-o", hw.string()}).status,
        0);
    auto hardware = nlohmann::json::parse(slurp(hw));
    EXPECT_EQ(hardware["components"][5]["detail"], "SKINIT");
    EXPECT_NE(hardware["pcrs"]["sha256"]["18"], emulated["pcrs"]["sha256"]["18"]);
    EXPECT_EQ(hardware["pcrs"]["sha256"]["17"], emulated["pcrs"]["sha256"]["17"]);
    EXPECT_EQ(measure(cfg, {"--launch-method", "kvm"}).status, 2);
    cfg.replace(cfg.find("platform-emulator"), 17, "platform-emulator dma-unprotected");
    auto off = dir.path() / "unprotected.json";
    ASSERT_EQ(measure(cfg, {"--banks", "sha256", "-o", off.string()}).status, 0);
    EXPECT_EQ(nlohmann::json::parse(slurp(off))["components"][6]["detail"], "none: switched off by dma-unprotected");
}

TEST_F(MeasureTree, RefusesWhatItCannotPredictWithExitStatus2) {
    struct Case {
        const char* cfg;
        const char* says;
    } cases[] = {
        {"menuentry\n", "menuentry without a title"},
        {"menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n}\n", "no module2 line"},
        {"menuentry \"x\" {\n  module2 /boot/keel.elf\n}\n", "no multiboot2 line"},
        {"menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n  module2 /boot/keel.elf $opts\n}\n", "$opts"},
        {"menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n  module2 /boot/keel.elf a #comment\n}\n",
         "#comment"},
        {"menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n  module2 /boot/g.bin guest;x\n}\n", "guest;x"},
        {"menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n  module2 /boot/missing.elf\n}\n", "missing.elf"},
        {"menuentry \"x\" {\n  multiboot2 /boot/keel.elf\n  module2 /boot/keel.elf\n}\n", ""},  // no SLB inside
        {"menuentry \"x\" {\n  multiboot2 boot/keel-prelaunch.elf\n  module2 /boot/keel.elf\n}\n", "absolute path"},
        {"", "no menu entry"},
    };
    for (const auto& c : cases) {
        auto r = measure(c.cfg);
        EXPECT_EQ(r.status, 2) << c.cfg << r.out << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << c.cfg << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line, no dump
    }
}

TEST_F(MeasureTree, RefusesMoreModulesThanTheLoaderTakes) {
    std::string cfg = "menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n";
    for (int i = 0; i < 33; ++i) cfg += "  module2 /boot/guest.bin guest\n";
    auto r = measure(cfg + "}\n");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("at most 32"), std::string::npos) << r.err;
}

TEST_F(MeasureTree, RefusesAnEmptyModuleAsThePrelaunchStageDoes) {
    dir.write("boot/empty.bin", "");
    auto r = measure("menuentry \"x\" {\n  multiboot2 /boot/keel-prelaunch.elf\n  module2 /boot/keel.elf\n"
                     "  module2 /boot/empty.bin guest\n}\n");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("an empty module"), std::string::npos) << r.err;
}

TEST_F(MeasureTree, UnknownBankIsBadUsage) {
    auto r = measure(GOOD, {"--banks", "md5"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown PCR bank 'md5'"), std::string::npos) << r.err;
}
