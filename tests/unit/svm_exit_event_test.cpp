// SVM exits as the ABI's vendor-neutral events, with the qualification
// layouts of abi/utcb.hpp (hypervisor/arch/x86/svm/exit_event).
#include <gtest/gtest.h>

#include "hypervisor/arch/x86/svm/exit_event.hpp"

using keel::abi::VcpuEvent;
using keel::x86::svm::exit_event;

TEST(SvmExitEvent, HostInterruptsAndNmisNeverReachAVmm) {
    EXPECT_TRUE(exit_event(0x60, 0, 0).host);
    EXPECT_TRUE(exit_event(0x61, 0, 0).host);
    EXPECT_FALSE(exit_event(0x63, 0, 0).host) << "INIT is intercepted and goes to the VMM";
    EXPECT_EQ(exit_event(0x63, 0, 0).event, VcpuEvent::Init);
}

TEST(SvmExitEvent, EachExitGoesToItsPortal) {
    EXPECT_EQ(exit_event(0x72, 0, 0).event, VcpuEvent::Cpuid);
    EXPECT_EQ(exit_event(0x78, 0, 0).event, VcpuEvent::Hlt);
    EXPECT_EQ(exit_event(0x7f, 0, 0).event, VcpuEvent::Shutdown);
    EXPECT_EQ(exit_event(0x64, 0, 0).event, VcpuEvent::Recall);
    EXPECT_EQ(exit_event(0x81, 0, 0).event, VcpuEvent::Vmcall);
    EXPECT_EQ(exit_event(0x8d, 0, 0).event, VcpuEvent::Xsetbv);
    EXPECT_EQ(exit_event(~0ull, 0, 0).event, VcpuEvent::InvalidState);
    auto other = exit_event(0x6e, 0, 0);  // RDTSC, never intercepted by Keel today
    EXPECT_EQ(other.event, VcpuEvent::Other);
    EXPECT_EQ(other.qual[0], 0x6eu) << "the vendor's code for the VMM";
}

TEST(SvmExitEvent, QualificationsFollowTheAbi) {
    // OUT DX, AL to 0x3f8, REP OUTSB.
    auto out = exit_event(0x7b, uint64_t(0x3f8) << 16 | 1 << 4, 0);
    EXPECT_EQ(out.event, VcpuEvent::Io);
    EXPECT_EQ(out.qual[0], 0x3f8u | 1u << 16);
    auto rep_in = exit_event(0x7b, uint64_t(0x60) << 16 | 1 << 6 | 1 << 3 | 1 << 2 | 1, 0);
    EXPECT_EQ(rep_in.qual[0], 0x60u | 4u << 16 | 1u << 24 | 1u << 25 | 1u << 26);
    // A write to a present page at GPA 0xfee00000.
    auto npf = exit_event(0x400, 0x3, 0xfee00000);
    EXPECT_EQ(npf.event, VcpuEvent::NestedPageFault);
    EXPECT_EQ(npf.qual[0], 0x3u);
    EXPECT_EQ(npf.qual[1], 0xfee00000u);
    // #GP(0x18) intercepted.
    auto gp = exit_event(0x40 + 13, 0x18, 0);
    EXPECT_EQ(gp.event, VcpuEvent::Exception);
    EXPECT_EQ(gp.qual[0], 13u | uint64_t(0x18) << 32);
    EXPECT_EQ(exit_event(0x7c, 1, 0).qual[0], 1u) << "WRMSR";
    EXPECT_EQ(exit_event(0x7c, 0, 0).qual[0], 0u) << "RDMSR";
}

TEST(SvmExitEvent, DecodesPortIoSizesAndDirections) {
    // OUT DX, AL to port 0xE9 (SZ8, 16-bit addresses).
    EXPECT_EQ(exit_event(0x7b, uint64_t(0xe9) << 16 | 1 << 4 | 1 << 7, 0x1042).qual[0], 0xe9u | 1u << 16);
    EXPECT_EQ(exit_event(0x7b, 1 << 5, 0).qual[0] >> 16 & 0xff, 2u) << "a 16-bit access";
    EXPECT_EQ(exit_event(0x7b, 0, 0).qual[0] >> 16 & 0xff, 0u) << "no size bit: the VMM sees size 0 and refuses";
}

TEST(SvmExitEvent, NestedPageFaultsKeepTheAccessBitsTheAbiNames) {
    auto fetch = exit_event(0x400, 0x15 | 1ull << 32, 0xfee00000);  // present, user, fetch; a walk bit above
    EXPECT_EQ(fetch.qual[0], 0x15u) << "present, user, execute; nothing else";
    EXPECT_EQ(exit_event(0x400, 0x6, 0x30000).qual[0], 0x6u) << "not present, write, user";
}

TEST(SvmExitEvent, ExceptionInterceptsCarryVectorAndErrorCode) {
    EXPECT_EQ(exit_event(0x41, 0, 0).qual[0], 1u) << "#DB";
    EXPECT_EQ(exit_event(0x51, 0, 0).qual[0], 17u) << "#AC";
    EXPECT_EQ(exit_event(0x5f, 0, 0).event, VcpuEvent::Exception);
    EXPECT_EQ(exit_event(0x3f, 0, 0).event, VcpuEvent::Other) << "0x3f is a DR write intercept, not an exception";
    EXPECT_EQ(exit_event(0x80, 0, 0).event, VcpuEvent::Other) << "VMRUN inside the guest";
}
