#include "lib/format.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

std::string fmt(const char* f, auto... args) {
    char buf[128];
    keel::format_to(buf, sizeof buf, f, args...);
    return buf;
}

// The null-string case is deliberate; g++ warns about it at compile time.
#pragma GCC diagnostic ignored "-Wformat-overflow"

TEST(ConsoleFormat, FormatsTheConversionsTheKernelUses) {
    EXPECT_EQ(fmt("%d %i %u", -5, 42, 7u), "-5 42 7");
    EXPECT_EQ(fmt("%x %X %lx", 0xabcu, 0xabcu, uint64_t(0x123456789a)), "abc ABC 123456789a");
    EXPECT_EQ(fmt("%016lx", uint64_t(0xfee00000)), "00000000fee00000");
    EXPECT_EQ(fmt("%04x:%s", 0x1000u, "0000"), "1000:0000");
    EXPECT_EQ(fmt("%-6s|%6s", "ab", "cd"), "ab    |    cd");
    EXPECT_EQ(fmt("%.*s", 3, "abcdef"), "abc");
    EXPECT_EQ(fmt("%zu %c %%", size_t(9), 'k'), "9 k %");
    EXPECT_EQ(fmt("%ld", int64_t(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)");
}

TEST(ConsoleFormat, TruncatesButReportsFullLength) {
    char buf[4];
    EXPECT_EQ(keel::format_to(buf, sizeof buf, "%s", "abcdef"), 6u);
    EXPECT_STREQ(buf, "abc");
}

}  // namespace
