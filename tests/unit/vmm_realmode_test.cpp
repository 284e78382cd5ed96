// The real-mode VMM's pure parts on the host: the guest's CPUID view
// (hidden features hidden in every leaf), the decoder of exiting
// instructions' lengths, and the guest console's escaping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vmm/common/cpuid_view.hpp"
#include "vmm/common/guest_console.hpp"
#include "vmm/x86/decoder.hpp"

using keel::vmm::CpuidRegs;
using keel::vmm::guest_cpuid;
using keel::vmm::GuestConsole;

namespace {

constexpr CpuidRegs ALL_ONES{~0u, ~0u, ~0u, ~0u};
constexpr uint32_t bit(unsigned n) { return uint32_t(1) << n; }

// A host that reports every feature, with XSAVE's components as a Zen 4
// lays them out (x87, SSE, AVX, AVX-512, PKRU).
CpuidRegs xsave_host(uint32_t leaf, uint32_t sub) {
    if (leaf == 0) return {0x10, 0x68747541, 0x444d4163, 0x69746e65};  // "AuthenticAMD"
    if (leaf != 0xd) return ALL_ONES;
    switch (sub) {
    case 0: return {0x2e7, 2696, 2696, 0};
    case 1: return {0xf, 0, 0, 0};
    case 2: return {256, 576, 0, 0};
    case 5: return {64, 1088, 0, 0};
    case 6: return {512, 1152, 0, 0};
    case 7: return {1024, 1664, 0, 0};
    case 9: return {8, 2688, 0, 0};
    default: return {};
    }
}

// The same host without XSAVE (leaf 1 ECX bit 26), its leaf 0Dh garbage.
CpuidRegs no_xsave_host(uint32_t leaf, uint32_t sub) {
    CpuidRegs r = leaf == 0xd ? ALL_ONES : xsave_host(leaf, sub);
    if (leaf == 1) r.ecx &= ~bit(26);
    return r;
}

CpuidRegs view(uint32_t leaf, uint32_t sub, uint64_t cr4 = 0, uint64_t xcr0 = 1,
               keel::vmm::HostCpuid host = xsave_host) {
    CpuidRegs r = host(leaf, sub);
    guest_cpuid(leaf, sub, r, {cr4, xcr0, keel::vmm::guest_xcr0_allowed(host), false, 0}, host);
    return r;
}

TEST(CpuidView, TheGuestSeesAHypervisorAndNoNestedVirtualization) {
    CpuidRegs nothing{};
    guest_cpuid(1, 0, nothing, {}, [](uint32_t, uint32_t) { return CpuidRegs{}; });
    EXPECT_TRUE(nothing.ecx >> 31 & 1) << "the hypervisor bit";
    EXPECT_FALSE(view(1, 0).ecx >> 5 & 1) << "VMX";
    EXPECT_FALSE(view(0x80000001, 0).ecx >> 2 & 1) << "SVM";
    CpuidRegs svm = view(0x8000000a, 0);
    EXPECT_EQ(svm.eax | svm.ebx | svm.ecx | svm.edx, 0u) << "SVM's own leaf must not describe a hidden SVM";
}

TEST(CpuidView, NeitherRdtscpNorRdpidSinceNothingSwitchesTscAux) {
    auto all = [](uint32_t, uint32_t) { return CpuidRegs{~0u, ~0u, ~0u, ~0u}; };
    CpuidRegs ext = all(0x80000001, 0), l7 = all(7, 0);
    guest_cpuid(0x80000001, 0, ext, {}, all);
    guest_cpuid(7, 0, l7, {}, all);
    EXPECT_FALSE(ext.edx & bit(27)) << "RDTSCP";
    EXPECT_FALSE(l7.ecx & bit(22)) << "RDPID";
}

TEST(CpuidView, XsaveAndAvxAreOfferedTheSameWayInEveryLeaf) {
    EXPECT_EQ(keel::vmm::guest_xcr0_allowed(xsave_host), 0x207u) << "x87, SSE, AVX, PKRU; not AVX-512";
    CpuidRegs l1 = view(1, 0);
    EXPECT_TRUE(l1.ecx & bit(26)) << "XSAVE";
    EXPECT_TRUE(l1.ecx & bit(28)) << "AVX";
    EXPECT_TRUE(view(7, 0).ebx & bit(5)) << "AVX2";
    EXPECT_FALSE(view(7, 0).ebx & bit(16)) << "AVX-512F";
    CpuidRegs d0 = view(0xd, 0, 0, 0x7);
    EXPECT_EQ(d0.eax, 0x207u) << "the components a guest may enable";
    EXPECT_EQ(d0.edx, 0u);
    EXPECT_EQ(d0.ebx, 832u) << "the area for x87, SSE and AVX, which XCR0 enables now";
    EXPECT_EQ(d0.ecx, 2696u) << "the area for everything offered";
    EXPECT_EQ(view(0xd, 0, 0, 0x1).ebx, 576u) << "x87 only";
    EXPECT_EQ(view(0xd, 1).eax, 0x7u) << "XSAVEOPT, XSAVEC, XGETBV(1); not XSAVES (no IA32_XSS)";
    CpuidRegs avx = view(0xd, 2);
    EXPECT_EQ(avx.eax, 256u);
    EXPECT_EQ(avx.ebx, 576u);
    for (uint32_t sub : {5u, 6u, 7u, 3u, 63u, 64u}) {
        CpuidRegs d = view(0xd, sub);
        EXPECT_EQ(d.eax | d.ebx | d.ecx | d.edx, 0u) << "leaf 0Dh." << sub << " describes nothing offered";
    }
}

TEST(CpuidView, OsxsaveAndOspkeFollowTheGuestsCr4) {
    EXPECT_FALSE(view(1, 0, 0).ecx & bit(27)) << "OSXSAVE with CR4.OSXSAVE clear";
    EXPECT_TRUE(view(1, 0, 1 << 18).ecx & bit(27)) << "OSXSAVE with CR4.OSXSAVE set";
    EXPECT_TRUE(view(7, 0, 0).ecx & bit(3)) << "PKU";
    EXPECT_FALSE(view(7, 0, 0).ecx & bit(4)) << "OSPKE with CR4.PKE clear";
    EXPECT_TRUE(view(7, 0, 1 << 22).ecx & bit(4)) << "OSPKE with CR4.PKE set";
}

TEST(CpuidView, WithoutXsaveNothingThatNeedsItIsReported) {
    EXPECT_EQ(keel::vmm::guest_xcr0_allowed(no_xsave_host), 0u);
    CpuidRegs l1 = view(1, 0, 1 << 18, 1, no_xsave_host);
    for (unsigned b : {26u, 27u, 28u, 12u, 29u}) EXPECT_FALSE(l1.ecx & bit(b)) << "leaf 1 ECX bit " << b;
    EXPECT_FALSE(view(7, 0, 0, 1, no_xsave_host).ebx & bit(5)) << "AVX2";
    EXPECT_FALSE(view(0x80000001, 0, 0, 1, no_xsave_host).ecx & bit(16)) << "FMA4";
    for (uint32_t sub : {0u, 1u, 2u}) {
        CpuidRegs d = view(0xd, sub, 0, 1, no_xsave_host);
        EXPECT_EQ(d.eax | d.ebx | d.ecx | d.edx, 0u) << "leaf 0Dh." << sub;
    }
}

TEST(CpuidView, WhatIsNotHiddenPassesThrough) {
    CpuidRegs g = view(0, 0);
    EXPECT_EQ(g.ebx, 0x68747541u);
    EXPECT_EQ(g.ecx, 0x444d4163u);
    EXPECT_EQ(g.edx, 0x69746e65u);
    EXPECT_TRUE(view(1, 0).edx & 1) << "x87";
    CpuidRegs other = view(0x40000000, 0);
    EXPECT_EQ(other.eax | other.ebx | other.ecx | other.edx, 0u) << "another hypervisor's leaves are not ours";
}

// What exits.cpp's advance() moves RIP by: the decoded length of an
// intercepted instruction, 0 for anything else.
unsigned length_of(std::vector<uint8_t> bytes) {
    namespace x86 = keel::vmm::x86;
    x86::Instruction insn;
    if (x86::decode(bytes.data(), bytes.size(), x86::Mode::Bits16, insn) != keel::Status::Ok) return 0;
    return x86::is_intercepted(insn.op) ? insn.length : 0;
}

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
