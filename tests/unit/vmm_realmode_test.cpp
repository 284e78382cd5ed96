// The real-mode VMM's pure parts on the host: the guest's CPUID view
// (hidden features hidden in every leaf), the decoder of exiting
// instructions' lengths, and the guest console's escaping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vmm/realmode/cpuid_view.hpp"
#include "vmm/realmode/guest_console.hpp"
#include "vmm/realmode/insn_length.hpp"

using keel::vmm::CpuidRegs;
using keel::vmm::exit_instruction_length;
using keel::vmm::guest_cpuid;
using keel::vmm::GuestConsole;

namespace {

constexpr CpuidRegs ALL_ONES{~0u, ~0u, ~0u, ~0u};

TEST(CpuidView, TheGuestSeesAHypervisorAndNoNestedVirtualization) {
    EXPECT_TRUE(guest_cpuid(1, 0, {}).ecx >> 31 & 1) << "the hypervisor bit";
    EXPECT_FALSE(guest_cpuid(1, 0, ALL_ONES).ecx >> 5 & 1) << "VMX";
    EXPECT_FALSE(guest_cpuid(0x80000001, 0, ALL_ONES).ecx >> 2 & 1) << "SVM";
    CpuidRegs svm = guest_cpuid(0x8000000a, 0, ALL_ONES);
    EXPECT_EQ(svm.eax | svm.ebx | svm.ecx | svm.edx, 0u) << "SVM's own leaf must not describe a hidden SVM";
}

TEST(CpuidView, XsaveIsHiddenWhereverItIsReported) {
    CpuidRegs l1 = guest_cpuid(1, 0, ALL_ONES);
    EXPECT_FALSE(l1.ecx >> 26 & 1) << "XSAVE";
    EXPECT_FALSE(l1.ecx >> 27 & 1) << "OSXSAVE";
    EXPECT_FALSE(l1.ecx >> 28 & 1) << "AVX needs XSAVE state";
    EXPECT_FALSE(guest_cpuid(7, 0, ALL_ONES).ebx >> 5 & 1) << "AVX2";
    EXPECT_FALSE(guest_cpuid(7, 0, ALL_ONES).ebx >> 16 & 1) << "AVX-512F";
    for (uint32_t sub : {0u, 1u, 2u}) {
        CpuidRegs d = guest_cpuid(0xd, sub, ALL_ONES);
        EXPECT_EQ(d.eax | d.ebx | d.ecx | d.edx, 0u) << "leaf 0Dh." << sub;
    }
}

TEST(CpuidView, WhatIsNotHiddenPassesThrough) {
    CpuidRegs vendor{0x10, 0x68747541, 0x444d4163, 0x69746e65};  // "AuthenticAMD"
    CpuidRegs g = guest_cpuid(0, 0, vendor);
    EXPECT_EQ(g.ebx, vendor.ebx);
    EXPECT_EQ(g.ecx, vendor.ecx);
    EXPECT_EQ(g.edx, vendor.edx);
    EXPECT_TRUE(guest_cpuid(1, 0, ALL_ONES).edx & 1) << "x87";
    CpuidRegs other = guest_cpuid(0x40000000, 0, ALL_ONES);
    EXPECT_EQ(other.eax | other.ebx | other.ecx | other.edx, 0u) << "another hypervisor's leaves are not ours";
}

unsigned length_of(std::vector<uint8_t> bytes) { return exit_instruction_length(bytes.data(), bytes.size()); }

TEST(InstructionLength, DecodesTheInstructionsWhoseExitsTheVmmCompletes) {
    EXPECT_EQ(length_of({0x0f, 0xa2}), 2u) << "CPUID";
    EXPECT_EQ(length_of({0x0f, 0x32}), 2u) << "RDMSR";
    EXPECT_EQ(length_of({0x0f, 0x30}), 2u) << "WRMSR";
    EXPECT_EQ(length_of({0xf4}), 1u) << "HLT";
    EXPECT_EQ(length_of({0x0f, 0x01, 0xd9}), 3u) << "VMMCALL";
    EXPECT_EQ(length_of({0x0f, 0x01, 0xd1}), 3u) << "XSETBV";
    EXPECT_EQ(length_of({0x66, 0x0f, 0xa2}), 3u) << "with an operand-size prefix";
    EXPECT_EQ(length_of({0x2e, 0x67, 0xf3, 0x0f, 0x32}), 5u) << "with several prefixes";
}

TEST(InstructionLength, AnythingElseOrTruncatedIsZero) {
    EXPECT_EQ(length_of({0x90}), 0u);
    EXPECT_EQ(length_of({0x0f}), 0u) << "cut off after the escape";
    EXPECT_EQ(length_of({0x0f, 0x01}), 0u);
    EXPECT_EQ(length_of({0x0f, 0x01, 0xc1}), 0u) << "VMCALL is Intel's";
    EXPECT_EQ(length_of({}), 0u);
    std::vector<uint8_t> prefixes(15, 0x66);
    prefixes.push_back(0x0f);
    prefixes.push_back(0xa2);
    EXPECT_EQ(length_of(prefixes), 0u) << "longer than 15 bytes";
}

std::vector<std::string> lines_of(const std::string& bytes) {
    std::vector<std::string> out;
    GuestConsole c;
    auto emit = [](const char* line, size_t n, void* ctx) {
        static_cast<std::vector<std::string>*>(ctx)->emplace_back(line, n);
    };
    for (unsigned char b : bytes) c.put(b, emit, &out);
    c.flush(emit, &out);
    return out;
}

TEST(GuestConsole, ControlCharactersAreEscapedSoAGuestCannotForgeALine) {
    auto lines = lines_of("ok\r[root] root: forged\x1b[2J\n");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "ok\\x0d[root] root: forged\\x1b[2J");
    EXPECT_EQ(lines_of("\x7f\xff")[0], "\\x7f\\xff");
}

TEST(GuestConsole, LinesEndAtNewlinesAndAtTheLineLimit) {
    auto lines = lines_of("a\nb\n");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1], "b");
    auto long_lines = lines_of(std::string(300, 'x'));
    ASSERT_EQ(long_lines.size(), 3u);
    for (const auto& l : long_lines) EXPECT_LE(l.size(), GuestConsole::LINE);
    EXPECT_EQ(long_lines[0].size() + long_lines[1].size() + long_lines[2].size(), 300u) << "nothing lost";
}

}  // namespace
