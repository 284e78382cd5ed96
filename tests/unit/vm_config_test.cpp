// The boot configuration's VM lines (vmm/root/vm_config.hpp).
#include <gtest/gtest.h>

#include <string>

#include "vmm/root/vm_config.hpp"

namespace keel::root {
namespace {

std::string str(StringView s) { return {s.data, s.size}; }

LineKind parse(const char* line, VmSpec& spec) {
    const char* why = "";
    return parse_vm_line(line, spec, why);
}

TEST(VmConfig, RealModeLines) {
    VmSpec s;
    ASSERT_EQ(parse("vm test-guest", s), LineKind::Vm);
    EXPECT_EQ(s.kind, VmKind::RealMode);
    EXPECT_EQ(str(s.name), "test-guest");
    EXPECT_FALSE(s.has_cpu);
    ASSERT_EQ(parse("  vm spinner timeout=3000 cpu=1 ", s), LineKind::Vm);
    EXPECT_EQ(s.timeout_ms, 3000u);
    EXPECT_TRUE(s.has_cpu);
    EXPECT_EQ(s.cpu, 1u);
    EXPECT_EQ(parse("# a comment", s), LineKind::Blank);
    EXPECT_EQ(parse("   ", s), LineKind::Blank);
}

TEST(VmConfig, LinuxLinesWithTheirCommandLine) {
    VmSpec s;
    ASSERT_EQ(parse("linux mgmt mem=256 vcpus=2 cpu=1 --  console=ttyS0 quiet  panic=-1 ", s), LineKind::Vm);
    EXPECT_EQ(s.kind, VmKind::Linux);
    EXPECT_EQ(str(s.name), "mgmt");
    EXPECT_EQ(s.mem_mib, 256u);
    EXPECT_EQ(s.vcpus, 2u);
    EXPECT_FALSE(s.tpm);
    EXPECT_EQ(str(s.command_line), "console=ttyS0 quiet  panic=-1");
    ASSERT_EQ(parse("linux mgmt mem=256 tpm -- tpm", s), LineKind::Vm);
    EXPECT_TRUE(s.tpm);
    EXPECT_EQ(str(s.command_line), "tpm");
    ASSERT_EQ(parse("linux w mem=128", s), LineKind::Vm);
    EXPECT_EQ(s.vcpus, 1u);
    EXPECT_FALSE(s.tpm);
    EXPECT_TRUE(s.command_line.empty());
    ASSERT_EQ(parse("linux w mem=128 --", s), LineKind::Vm);
    EXPECT_TRUE(s.command_line.empty());
    // "--" inside the command line is the kernel's (init's arguments).
    ASSERT_EQ(parse("linux w mem=128 -- a -- b", s), LineKind::Vm);
    EXPECT_EQ(str(s.command_line), "a -- b");
}

TEST(VmConfig, AnAssignedDeviceWithItsHostInterruptPin) {
    VmSpec s;
    ASSERT_EQ(parse("linux mgmt mem=256 tpm pci=00:04.0 gsi=20 -- console=ttyS0", s), LineKind::Vm);
    EXPECT_TRUE(s.has_pci);
    EXPECT_EQ(s.pci, 0x20);
    EXPECT_EQ(s.gsi, 20u);
    ASSERT_EQ(parse("linux w mem=128 gsi=0x17 pci=1a:1F.7", s), LineKind::Vm);
    EXPECT_EQ(s.pci, 0x1a << 8 | 0x1f << 3 | 7);
    EXPECT_EQ(s.gsi, 23u);
    ASSERT_EQ(parse("linux w mem=128", s), LineKind::Vm);
    EXPECT_FALSE(s.has_pci);
}

TEST(VmConfig, RefusesWhatItCannotRunAsWritten) {
    VmSpec s;
    for (const char* bad : {"vmm x",
                            "vm",
                            "vm --",
                            "vm x mem=128",
                            "vm x timeout=0",
                            "vm x timeout=1 timeout=2",
                            "vm x cpu=one",
                            "vm x -- console=ttyS0",
                            "linux x",
                            "linux x mem=64",
                            "linux x mem=2050",
                            "linux x mem=97",
                            "linux x mem=128 vcpus=0",
                            "linux x mem=128 vcpus=9",
                            "linux x mem=128 mem=256",
                            "linux x mem=0x",
                            "linux x mem=128 extra",
                            "linux x mem=128 tpm tpm",
                            "vm x tpm",
                            "linux x mem=128 tpm=1",
                            "linux x mem=128 pci=00:04.0",
                            "linux x mem=128 gsi=20",
                            "linux x mem=128 pci=00:04.0 gsi=20 pci=00:05.0",
                            "linux x mem=128 pci=00:04.0 gsi=20 gsi=21",
                            "linux x mem=128 pci=00:20.0 gsi=20",
                            "linux x mem=128 pci=00:04.8 gsi=20",
                            "linux x mem=128 pci=0:04.0 gsi=20",
                            "linux x mem=128 pci=00:04:0 gsi=20",
                            "linux x mem=128 pci=0g:04.0 gsi=20",
                            "linux x mem=128 pci=00:04.0 gsi=256",
                            "linux x mem=128 pci=00:04.0 gsi=15",
                            "linux x mem=128 pci=00:04.0 gsi=24",
                            "vm x pci=00:04.0 gsi=20",
                            "linux x mem=99999999999999999999999"}) {
        const char* why = nullptr;
        EXPECT_EQ(parse_vm_line(bad, s, why), LineKind::Invalid) << bad;
        EXPECT_NE(why, nullptr) << bad;
    }
    std::string long_name = "vm " + std::string(48, 'n');
    EXPECT_EQ(parse(long_name.c_str(), s), LineKind::Invalid);
    std::string long_cmdline = "linux x mem=128 -- " + std::string(2048, 'c');
    EXPECT_EQ(parse(long_cmdline.c_str(), s), LineKind::Invalid);
    long_cmdline.pop_back();
    EXPECT_EQ(parse(long_cmdline.c_str(), s), LineKind::Vm);
}

}  // namespace
}  // namespace keel::root
