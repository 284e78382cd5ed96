#include "hypervisor/kernel/boot_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Warnings {
    std::vector<std::string> words;
};
void collect(keel::StringView word, const char*, void* ctx) {
    static_cast<Warnings*>(ctx)->words.emplace_back(word.data, word.size);
}

TEST(BootOptions, DefaultsSuitRealHardware) {
    Warnings w;
    auto o = keel::parse_boot_options("", collect, &w);
    EXPECT_EQ(o.debug_exit_port, 0);
    EXPECT_FALSE(o.hold);
    EXPECT_EQ(o.selftest, keel::SelfTest::None);
    EXPECT_TRUE(w.words.empty());
}

TEST(BootOptions, ParsesEveryOption) {
    Warnings w;
    auto o = keel::parse_boot_options("  debug-exit=0xf4   hold selftest=pf ", collect, &w);
    EXPECT_EQ(o.debug_exit_port, 0xf4);
    EXPECT_TRUE(o.hold);
    EXPECT_EQ(o.selftest, keel::SelfTest::PageFault);
    EXPECT_TRUE(w.words.empty());
    EXPECT_EQ(keel::parse_boot_options("selftest=ud debug-exit=244", collect, &w).debug_exit_port, 244);
    EXPECT_EQ(keel::parse_boot_options("selftest=stack", collect, &w).selftest, keel::SelfTest::StackOverflow);
    EXPECT_EQ(keel::parse_boot_options("selftest=nmi", collect, &w).selftest, keel::SelfTest::NmiAfterGuest);
    EXPECT_EQ(keel::parse_boot_options("selftest=interrupts", collect, &w).selftest, keel::SelfTest::Interrupts);
    EXPECT_EQ(keel::parse_boot_options("selftest=init", collect, &w).selftest, keel::SelfTest::Init);
    EXPECT_EQ(keel::parse_boot_options("selftest=dma-wait", collect, &w).selftest, keel::SelfTest::DmaWait);
}

TEST(BootOptions, ReportsEveryWordItCannotUse) {
    Warnings w;
    auto o =
        keel::parse_boot_options("debug-exit=0x10000 debug-exit= hold=1 selftest=boom quiet debug-exit=0", collect, &w);
    EXPECT_EQ(o.debug_exit_port, 0);
    EXPECT_FALSE(o.hold);
    EXPECT_EQ(o.selftest, keel::SelfTest::None);
    EXPECT_EQ(w.words, (std::vector<std::string>{"debug-exit=0x10000", "debug-exit=", "hold=1", "selftest=boom",
                                                 "quiet", "debug-exit=0"}));
}

TEST(BootOptions, ParsesNumbersStrictly) {
    uint64_t v = 7;
    EXPECT_TRUE(keel::parse_u64("0xFfff", v));
    EXPECT_EQ(v, 0xffffu);
    EXPECT_TRUE(keel::parse_u64("18446744073709551615", v));
    EXPECT_EQ(v, ~0ull);
    EXPECT_FALSE(keel::parse_u64("18446744073709551616", v));
    EXPECT_FALSE(keel::parse_u64("0x", v));
    EXPECT_FALSE(keel::parse_u64("12a", v));
    EXPECT_FALSE(keel::parse_u64("", v));
}

}  // namespace
