// SVM's MSR permission map behind a PD's MSR space
// (hypervisor/arch/x86/svm/msr_permission_map): every MSR exits until one
// the hardware switches with the guest is delegated; the bits are where
// the APM puts them; taking a right back sets its bit again and flushes.
#include <gtest/gtest.h>

#include <vector>

#include "abi/capability.hpp"
#include "hypervisor/arch/x86/svm/msr_permission_map.hpp"

using namespace keel::x86::svm;
namespace perm = keel::abi::perm;

namespace {

constexpr uint64_t SYSENTER_EIP = 0x176, EFER = 0xc0000080, STAR = 0xc0000081, LSTAR = 0xc0000082, CSTAR = 0xc0000083,
                   FS_BASE = 0xc0000100, KERNEL_GS_BASE = 0xc0000102, TSC_AUX = 0xc0000103, VM_HSAVE_PA = 0xc0010117,
                   PAT = 0x277, TSC = 0x10;

int flushes = 0;

struct MsrPermissionMapTest : testing::Test {
    void SetUp() override { flushes = 0; }
    std::vector<uint8_t> pages = std::vector<uint8_t>(MsrPermissionMap::PAGES * 4096, 0);
    MsrPermissionMap map{pages.data(), [] { ++flushes; }};
};

TEST_F(MsrPermissionMapTest, EveryMsrExitsAtFirst) {
    for (size_t i = 0; i < pages.size(); ++i) ASSERT_EQ(pages[i], 0xff) << i;
    for (uint64_t msr : {uint64_t(0), SYSENTER_EIP, EFER, LSTAR, FS_BASE, VM_HSAVE_PA, uint64_t(0x2000)}) {
        EXPECT_TRUE(map.intercepts_read(msr)) << std::hex << msr;
        EXPECT_TRUE(map.intercepts_write(msr)) << std::hex << msr;
        EXPECT_FALSE(map.mapped(msr));
    }
}

TEST_F(MsrPermissionMapTest, OnlyWhatVmloadAndVmsaveSwitchMayPass) {
    for (uint64_t msr : {SYSENTER_EIP, STAR, LSTAR, CSTAR, FS_BASE, KERNEL_GS_BASE}) EXPECT_TRUE(passable(msr));
    for (uint64_t msr : {EFER, TSC_AUX, VM_HSAVE_PA, PAT, TSC, uint64_t(0x173), uint64_t(0xc0000085)})
        EXPECT_FALSE(passable(msr)) << std::hex << msr;
}

TEST_F(MsrPermissionMapTest, ADelegatedMsrPassesWithItsRightsAndItsNeighboursStillExit) {
    ASSERT_TRUE(map.map(LSTAR, LSTAR, 1, perm::MSR_R | perm::MSR_W));
    ASSERT_TRUE(map.map(FS_BASE, FS_BASE, 1, perm::MSR_R));
    EXPECT_FALSE(map.intercepts_read(LSTAR));
    EXPECT_FALSE(map.intercepts_write(LSTAR));
    EXPECT_FALSE(map.intercepts_read(FS_BASE));
    EXPECT_TRUE(map.intercepts_write(FS_BASE)) << "read only";
    for (uint64_t msr : {STAR, CSTAR, EFER, KERNEL_GS_BASE, TSC_AUX}) {
        EXPECT_TRUE(map.intercepts_read(msr)) << std::hex << msr;
        EXPECT_TRUE(map.intercepts_write(msr)) << std::hex << msr;
    }
    // Where AMD's APM (vol. 2, 15.11) puts them: C000_0000h's range from
    // byte 800h, two bits an MSR, read first.
    EXPECT_EQ(pages[0x800 + 0x82 * 2 / 8], uint8_t(~0x30)) << "LSTAR: bits 4 and 5 of byte 820h";
    EXPECT_EQ(pages[0x800 + 0x100 * 2 / 8], uint8_t(~0x01)) << "FS.base: bit 0 of byte 840h";
    ASSERT_TRUE(map.map(SYSENTER_EIP, SYSENTER_EIP, 1, perm::MSR_W));
    EXPECT_EQ(pages[0x176 * 2 / 8], uint8_t(~0x20)) << "SYSENTER_EIP's write: bit 5 of byte 5Dh";
    EXPECT_EQ(flushes, 0) << "giving rights needs no flush";
}

TEST_F(MsrPermissionMapTest, TakingARightBackMakesTheAccessExitAgainAndFlushes) {
    ASSERT_TRUE(map.map(STAR, STAR, 4, perm::MSR_R | perm::MSR_W));
    map.protect(LSTAR, 1, perm::MSR_R);
    EXPECT_FALSE(map.intercepts_read(LSTAR));
    EXPECT_TRUE(map.intercepts_write(LSTAR));
    EXPECT_EQ(flushes, 1);
    map.unmap(STAR, 4);
    for (uint64_t msr = STAR; msr < STAR + 4; ++msr) {
        EXPECT_TRUE(map.intercepts_read(msr));
        EXPECT_TRUE(map.intercepts_write(msr));
    }
    EXPECT_EQ(flushes, 2) << "a vCPU running with the old bits is sent out of its guest";
    for (size_t i = 0; i < pages.size(); ++i) ASSERT_EQ(pages[i], 0xff) << i;
}

TEST_F(MsrPermissionMapTest, AnMsrTheHardwareDoesNotSwitchNeverPasses) {
    EXPECT_DEATH(map.map(EFER, EFER, 1, perm::MSR_R | perm::MSR_W), "invariant broken");
    EXPECT_DEATH(map.map(VM_HSAVE_PA, VM_HSAVE_PA, 1, perm::MSR_R), "invariant broken");
    EXPECT_DEATH(map.map(STAR, STAR, 5, perm::MSR_R), "invariant broken") << "one past the SYSCALL MSRs: SFMASK+1";
}

}  // namespace
