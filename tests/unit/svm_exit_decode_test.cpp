#include "hypervisor/arch/x86/svm/exit_decode.hpp"

#include <gtest/gtest.h>

using keel::virt::ExitMessage;
using keel::virt::ExitReason;
namespace svm = keel::x86::svm;

namespace {

ExitMessage decode(uint64_t code, uint64_t info1 = 0, uint64_t info2 = 0) {
    ExitMessage m{};
    svm::decode_exit(code, info1, info2, m);
    return m;
}

TEST(SvmExitDecode, MapsExitCodesToReasons) {
    EXPECT_EQ(decode(0x72).reason, ExitReason::Cpuid);
    EXPECT_EQ(decode(0x78).reason, ExitReason::Hlt);
    EXPECT_EQ(decode(0x7b).reason, ExitReason::Io);
    EXPECT_EQ(decode(0x400).reason, ExitReason::NestedPageFault);
    EXPECT_EQ(decode(0x7c).reason, ExitReason::Msr);
    EXPECT_EQ(decode(0x7f).reason, ExitReason::Shutdown);
    EXPECT_EQ(decode(0x60).reason, ExitReason::Interrupt);
    EXPECT_EQ(decode(0x61).reason, ExitReason::Interrupt);
    // INIT belongs to the host: the kernel takes it, no VMM portal sees it.
    EXPECT_EQ(decode(0x63).reason, ExitReason::Interrupt);
    EXPECT_EQ(decode(~0ull).reason, ExitReason::InvalidState);
    EXPECT_EQ(decode(0x80).reason, ExitReason::Unknown);  // VMRUN inside the guest
    EXPECT_EQ(decode(0x41).reason, ExitReason::Exception);
    EXPECT_EQ(decode(0x5f).reason, ExitReason::Exception);
    EXPECT_EQ(decode(0x60 - 0x21).reason, ExitReason::Unknown);  // 0x3f: a DR write intercept
    EXPECT_EQ(decode(0x8d).reason, ExitReason::Unknown);  // WBINVD
}

TEST(SvmExitDecode, KeepsTheHardwareValuesForDiagnostics) {
    ExitMessage m = decode(0x7b, 0x11, 0x22);
    EXPECT_EQ(m.hw_code, 0x7bu);
    EXPECT_EQ(m.hw_info1, 0x11u);
    EXPECT_EQ(m.hw_info2, 0x22u);
}

TEST(SvmExitDecode, DecodesPortIo) {
    // OUT DX, AL to port 0xE9: type out, SZ8, 16-bit addresses
    ExitMessage out = decode(0x7b, (0xe9ull << 16) | (1 << 4) | (1 << 7), 0x1042);
    EXPECT_EQ(out.io.port, 0xe9);
    EXPECT_EQ(out.io.size, 1);
    EXPECT_FALSE(out.io.in);
    EXPECT_FALSE(out.io.string);
    EXPECT_EQ(out.io.next_rip, 0x1042u);
    // REP INSD from port 0x1f0
    ExitMessage ins = decode(0x7b, (0x1f0ull << 16) | (1 << 6) | (1 << 3) | (1 << 2) | 1, 0);
    EXPECT_EQ(ins.io.port, 0x1f0);
    EXPECT_EQ(ins.io.size, 4);
    EXPECT_TRUE(ins.io.in);
    EXPECT_TRUE(ins.io.string);
    EXPECT_TRUE(ins.io.rep);
    EXPECT_EQ(decode(0x7b, 1 << 5).io.size, 2);
}

TEST(SvmExitDecode, DecodesNestedPageFaults) {
    ExitMessage miss = decode(0x400, 0x6, 0x30000);  // not present, write, user
    EXPECT_EQ(miss.npf.gpa, 0x30000u);
    EXPECT_FALSE(miss.npf.present);
    EXPECT_TRUE(miss.npf.write);
    EXPECT_FALSE(miss.npf.execute);
    ExitMessage fetch = decode(0x400, 0x15, 0xfee00000);  // present, instruction fetch
    EXPECT_TRUE(fetch.npf.present);
    EXPECT_TRUE(fetch.npf.execute);
    EXPECT_FALSE(fetch.npf.write);
}

TEST(SvmExitDecode, DecodesExceptionIntercepts) {
    ExitMessage db = decode(0x41);
    EXPECT_EQ(db.exception.vector, 1);
    ExitMessage ac = decode(0x51, 0);
    EXPECT_EQ(ac.exception.vector, 17);
    EXPECT_EQ(decode(0x4e, 0x6).exception.error_code, 6u);  // #PF's error code is EXITINFO1
}

TEST(SvmExitDecode, DecodesMsrAccesses) {
    EXPECT_FALSE(decode(0x7c, 0).msr.write);
    EXPECT_TRUE(decode(0x7c, 1).msr.write);
}

TEST(SvmExitDecode, ReinjectsOnlyEventsThatDoNotComeFromAnInstruction) {
    constexpr uint64_t V = 1ull << 31;
    EXPECT_EQ(svm::event_to_reinject(0x20), 0u);  // not valid
    EXPECT_EQ(svm::event_to_reinject(V | 0x30), V | 0x30);  // external interrupt, vector 0x30
    EXPECT_EQ(svm::event_to_reinject(V | (2 << 8) | 2), V | (2 << 8) | 2);  // NMI
    uint64_t page_fault = V | (1 << 11) | (3 << 8) | 14 | (uint64_t(6) << 32);  // #PF with its error code
    EXPECT_EQ(svm::event_to_reinject(page_fault), page_fault);
    EXPECT_EQ(svm::event_to_reinject(V | (3 << 8) | 3), 0u);  // INT3: raised again by the instruction
    EXPECT_EQ(svm::event_to_reinject(V | (3 << 8) | 4), 0u);  // INTO
    EXPECT_EQ(svm::event_to_reinject(V | (4 << 8) | 0x10), 0u);  // INT 10h
    EXPECT_EQ(svm::event_to_reinject(V | (5 << 8) | 1), 0u);  // a reserved type is never injected
}

TEST(SvmExitDecode, NamesEveryReason) {
    for (unsigned r = 0; r < keel::virt::EXIT_REASON_COUNT; ++r)
        EXPECT_STRNE(keel::virt::exit_reason_name(ExitReason(r)), "?") << r;
}

}  // namespace
