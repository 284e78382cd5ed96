// SVM message transfer: a vCPU's state to and from the exit handler's UTCB,
// only the groups the MTD names, and the kernel's rules on the way back
// (hypervisor/arch/x86/svm/state_transfer).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "abi/mtd.hpp"
#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/svm/state_transfer.hpp"

using namespace keel::x86::svm;
using keel::abi::Status;
using keel::abi::VcpuState;
namespace mtd = keel::abi::mtd;

namespace {

constexpr uint64_t HOST_XCR0 = 0x2e7;  // x87, SSE, AVX, AVX-512, PKRU

struct Vcpu {
    std::unique_ptr<Vmcb> vmcb = std::make_unique<Vmcb>();
    SoftState soft{};
    Vcpu() {
        std::memset(vmcb.get(), 0, sizeof(Vmcb));
        vmcb->write<uint64_t>(VmcbField::Rax, 0x1111);
        vmcb->write<uint64_t>(VmcbField::Rip, 0x7c00);
        vmcb->write<uint64_t>(VmcbField::Rsp, 0x8000);
        vmcb->write<uint64_t>(VmcbField::Cr0, 0x11);
        vmcb->write<uint64_t>(VmcbField::Efer, keel::x86::efer::SVME);
        vmcb->write<uint64_t>(VmcbField::ExitInfo1, 0xabc);
        vmcb->write_segment(VmcbField::Cs, {0x10, 0x9b, 0xffff, 0x1000});
        soft.rbx = 0x2222, soft.r15 = 0x1515;
    }
};

VcpuState poisoned() {
    VcpuState s;
    std::memset(&s, 0xee, sizeof s);
    return s;
}

}  // namespace

TEST(SvmStateTransfer, OnlyTheNamedGroupsTravel) {
    Vcpu v;
    VcpuState s = poisoned();
    save_state(*v.vmcb, v.soft, mtd::GPR_ACDB | mtd::RIP_LEN | mtd::QUAL, {2, {0xabc, 0}}, s);
    EXPECT_EQ(s.mtd, mtd::GPR_ACDB | mtd::RIP_LEN | mtd::QUAL);
    EXPECT_EQ(s.rax, 0x1111u);
    EXPECT_EQ(s.rbx, 0x2222u);
    EXPECT_EQ(s.rip, 0x7c00u);
    EXPECT_EQ(s.instruction_length, 2u);
    EXPECT_EQ(s.qual[0], 0xabcu);
    EXPECT_EQ(s.r15, 0xeeeeeeeeeeeeeeeeu) << "R8-R15 were not asked for";
    EXPECT_EQ(s.cs.selector, 0xeeee);

    // The reply names RIP only: the registers it also carries are ignored.
    s.mtd = mtd::RIP_LEN;
    s.rip = 0x7c02;
    s.rax = 0;
    ASSERT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success);
    EXPECT_EQ(v.vmcb->read<uint64_t>(VmcbField::Rip), 0x7c02u);
    EXPECT_EQ(v.vmcb->read<uint64_t>(VmcbField::Rax), 0x1111u);
}

TEST(SvmStateTransfer, EverythingWritableRoundTrips) {
    Vcpu v;
    VcpuState s{};
    save_state(*v.vmcb, v.soft, mtd::ALL, {}, s);
    s.mtd = mtd::WRITABLE;
    Vcpu w;
    std::memset(w.vmcb.get(), 0, sizeof(Vmcb));
    w.soft = SoftState{};
    ASSERT_EQ(load_state(s, HOST_XCR0, *w.vmcb, w.soft), Status::Success);
    VcpuState again{};
    save_state(*w.vmcb, w.soft, mtd::WRITABLE, {}, again);
    again.mtd = s.mtd = 0;
    s.instruction_length = again.instruction_length = 0;
    s.qual[0] = s.qual[1] = 0;  // read only: not part of the reply
    // The kernel's intercepts were added; everything else is as the VMM wrote it.
    s.ctrl[0] |= FORCED_INTERCEPT1;
    s.ctrl[1] |= FORCED_INTERCEPT2;
    EXPECT_EQ(std::memcmp(&s, &again, sizeof s), 0);
    EXPECT_EQ(w.soft.r15, 0x1515u);
    EXPECT_EQ(w.vmcb->read<uint16_t>(VmcbField::Cs), 0x10);
}

// A VMM cannot switch off what keeps the host the host's: INIT, NMI and
// host interrupts, the SVM instructions, CPUID/HLT/I/O/MSR/XSETBV exits.
TEST(SvmStateTransfer, TheKernelsInterceptsSurviveAnyReply) {
    Vcpu v;
    VcpuState s{};
    s.mtd = mtd::CTRL;
    s.ctrl[0] = s.ctrl[1] = 0;
    ASSERT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success);
    uint32_t i1 = v.vmcb->read<uint32_t>(VmcbField::InterceptMisc1);
    uint32_t i2 = v.vmcb->read<uint32_t>(VmcbField::InterceptMisc2);
    EXPECT_EQ(i1 & FORCED_INTERCEPT1, FORCED_INTERCEPT1);
    EXPECT_TRUE(i1 & intercept1::INIT);
    EXPECT_TRUE(i1 & intercept1::NMI);
    EXPECT_TRUE(i1 & intercept1::INTR);
    EXPECT_EQ(i2 & FORCED_INTERCEPT2, FORCED_INTERCEPT2);
    EXPECT_TRUE(i2 & intercept2::VMRUN);
    EXPECT_TRUE(i2 & intercept2::SKINIT);
    EXPECT_EQ(v.vmcb->read<uint32_t>(VmcbField::InterceptExceptions) & FORCED_EXCEPTIONS, FORCED_EXCEPTIONS);
    // A VMM may ask for more.
    s.ctrl[0] = 1u << 21;  // PAUSE
    ASSERT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success);
    EXPECT_TRUE(v.vmcb->read<uint32_t>(VmcbField::InterceptMisc1) & (1u << 21));
    // A reply that names no CTRL leaves the intercepts as they are, whatever
    // its ctrl words say.
    uint32_t before = v.vmcb->read<uint32_t>(VmcbField::InterceptMisc1);
    s.mtd = mtd::RIP_LEN;
    s.ctrl[0] = 0;
    ASSERT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success);
    EXPECT_EQ(v.vmcb->read<uint32_t>(VmcbField::InterceptMisc1), before);
}

TEST(SvmStateTransfer, GuestEferKeepsSvme) {
    Vcpu v;
    VcpuState s{};
    s.mtd = mtd::CR;
    s.efer = 0x500;  // LME | LMA, no SVME
    ASSERT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success);
    EXPECT_EQ(v.vmcb->read<uint64_t>(VmcbField::Efer), 0x500 | keel::x86::efer::SVME);
}

// Refused replies change nothing at all.
TEST(SvmStateTransfer, RefusesWhatCannotBeWrittenAndWritesNothingThen) {
    struct Case {
        uint64_t mtd;
        uint64_t xcr0;
        uint64_t inj;
        const char* why;
    } cases[] = {
        {mtd::QUAL | mtd::RIP_LEN, 1, 0, "the exit qualification is read only"},
        {uint64_t(1) << 40 | mtd::RIP_LEN, 1, 0, "an unknown group"},
        {mtd::XCR0 | mtd::RIP_LEN, 0x6, 0, "XCR0 without x87"},
        {mtd::XCR0 | mtd::RIP_LEN, 0x1f, 0, "XCR0 with state the host does not have"},
        {mtd::XCR0 | mtd::RIP_LEN, 0x5, 0, "AVX without SSE (XSETBV would #GP in the host)"},
        {mtd::XCR0 | mtd::RIP_LEN, 0x67, 0, "two of AVX-512's three components"},
        {mtd::XCR0 | mtd::RIP_LEN, 0xe3, 0, "AVX-512 without AVX"},
        {mtd::INJ | mtd::RIP_LEN, 1, (1ull << 31) | (1 << 8) | 14, "injection with reserved type 1"},
        {mtd::INJ | mtd::RIP_LEN, 1, (1ull << 31) | (6 << 8), "injection with reserved type 6"},
    };
    for (const auto& c : cases) {
        Vcpu v;
        VcpuState s{};
        s.mtd = c.mtd, s.xcr0 = c.xcr0, s.inj_info = c.inj, s.rip = 0xdead;
        EXPECT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::BadParameter) << c.why;
        EXPECT_EQ(v.vmcb->read<uint64_t>(VmcbField::Rip), 0x7c00u) << c.why;
        EXPECT_EQ(v.soft.xcr0, 1u) << c.why;
    }
    Vcpu v;
    VcpuState s{};
    s.mtd = mtd::XCR0 | mtd::INJ;
    s.xcr0 = 0x7;
    s.inj_info = (1ull << 31) | (3 << 8) | 13 | (1 << 11) | (uint64_t(0x10) << 32);  // #GP(0x10)
    s.inj_request = 1;
    ASSERT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success);
    EXPECT_EQ(v.soft.xcr0, 0x7u);
    for (uint64_t fine : {0x1ull, 0x3ull, 0xe7ull, 0x203ull, 0x2e7ull}) {
        s.mtd = mtd::XCR0, s.xcr0 = fine;
        EXPECT_EQ(load_state(s, HOST_XCR0, *v.vmcb, v.soft), Status::Success) << std::hex << fine;
        EXPECT_EQ(v.soft.xcr0, fine);
    }
    EXPECT_EQ(v.vmcb->read<uint64_t>(VmcbField::EventInject), s.inj_info);
    EXPECT_TRUE(v.soft.interrupt_window);
}
