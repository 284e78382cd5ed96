// Which extended state the kernel switches for guests and which XCR0 values
// it lets a VMM give one (hypervisor/arch/x86/extended_state).
#include <gtest/gtest.h>

#include "hypervisor/arch/x86/extended_state.hpp"

namespace xs = keel::x86::xstate;

namespace {

// Standard-format offsets + sizes as CPUs report them (CPUID 0Dh.i).
uint32_t real_end(unsigned i) {
    switch (i) {
    case 2: return 576 + 256;  // AVX
    case 5: return 1088 + 64;  // opmask
    case 6: return 1152 + 512;  // ZMM_Hi256
    case 7: return 1664 + 1024;  // Hi16_ZMM
    case 9: return 2688 + 8;  // PKRU
    case 17: return 2752 + 64;  // AMX TILECFG
    case 18: return 2816 + 8192;  // AMX TILEDATA
    default: return 0;
    }
}

// A CPU whose AVX-512 areas would not fit in a page.
uint32_t large_avx512_end(unsigned i) { return i >= 5 && i <= 7 ? 5000 : real_end(i); }

TEST(ExtendedState, WithoutXsaveOnlyFxsaveStateAndXcr0StaysX87) {
    xs::Layout l = xs::plan(false, 0x7, real_end, 4096);
    EXPECT_EQ(l.switched, 0u);
    EXPECT_EQ(l.guest_xcr0, xs::X87);
}

TEST(ExtendedState, SwitchesWhatTheCpuHasThatFitsAPage) {
    xs::Layout zen1 = xs::plan(true, 0x7, real_end, 4096);
    EXPECT_EQ(zen1.switched, 0x7u);
    EXPECT_EQ(zen1.guest_xcr0, 0x7u);
    EXPECT_EQ(zen1.area_bytes, 832u);

    xs::Layout zen4 = xs::plan(true, 0x2e7, real_end, 4096);
    EXPECT_EQ(zen4.switched, 0x2e7u);
    EXPECT_EQ(zen4.area_bytes, 2696u);

    // AMX's 8 KiB of tile data does not fit: left out, so no guest can
    // enable it (its registers need XCR0's bits).
    xs::Layout sapphire = xs::plan(true, 0x602e7, real_end, 4096);
    EXPECT_EQ(sapphire.switched, 0x2e7u);
    EXPECT_EQ(sapphire.guest_xcr0, 0x2e7u);
}

TEST(ExtendedState, WhatDoesNotFitGoesWithoutLosingPkru) {
    xs::Layout l = xs::plan(true, 0x2e7, large_avx512_end, 4096);
    EXPECT_EQ(l.switched, 0x207u);
    EXPECT_TRUE(keel::xcr0::valid(l.guest_xcr0, l.guest_xcr0));
}

TEST(ExtendedState, AnIncompleteAvx512IsLeftOut) {
    EXPECT_EQ(xs::plan(true, 0x67, real_end, 4096).switched, 0x7u);
    EXPECT_EQ(xs::plan(true, 0xe3, real_end, 4096).switched, 0x3u);  // AVX-512 needs AVX
}

TEST(ExtendedState, Xcr0FollowsXsetbvsRules) {
    const uint64_t all = 0x2e7;
    EXPECT_TRUE(keel::xcr0::valid(0x1, all));
    EXPECT_TRUE(keel::xcr0::valid(0x3, all));
    EXPECT_TRUE(keel::xcr0::valid(0x7, all));
    EXPECT_TRUE(keel::xcr0::valid(0xe7, all));
    EXPECT_TRUE(keel::xcr0::valid(0x201, all));
    EXPECT_FALSE(keel::xcr0::valid(0x0, all)) << "x87 is always on";
    EXPECT_FALSE(keel::xcr0::valid(0x6, all)) << "x87 is always on";
    EXPECT_FALSE(keel::xcr0::valid(0x5, all)) << "AVX needs SSE";
    EXPECT_FALSE(keel::xcr0::valid(0x27, all)) << "AVX-512 is all three or none";
    EXPECT_FALSE(keel::xcr0::valid(0xa7, all)) << "AVX-512 is all three or none";
    EXPECT_FALSE(keel::xcr0::valid(0xe3, all)) << "AVX-512 needs AVX";
    EXPECT_FALSE(keel::xcr0::valid(0x1f, all)) << "MPX is not offered";
    EXPECT_FALSE(keel::xcr0::valid(0x7, 0x3)) << "AVX where the kernel does not switch it";
    EXPECT_FALSE(keel::xcr0::valid(1ull << 63, ~0ull)) << "x87 is always on";
}

}  // namespace
