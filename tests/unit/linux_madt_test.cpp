// The MADT the Linux VMM will give a guest with APICs, walked entry by entry
// as Linux's acpi_parse_madt_*() do: lengths, checksum, one enabled local
// APIC per vCPU, the I/O APIC, the overrides and the NMI entry.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vmm/linux/acpi_madt.hpp"
#include "vmm/linux/acpi_tables.hpp"

namespace keel::vmm::acpi {
namespace {

template <typename T> T get(const std::vector<uint8_t>& b, size_t at) {
    T v;
    std::memcpy(&v, &b[at], sizeof v);
    return v;
}

struct Entry {
    uint8_t type;
    size_t at;
};

std::vector<Entry> entries(const std::vector<uint8_t>& t) {
    std::vector<Entry> out;
    size_t length = get<uint32_t>(t, 4);
    for (size_t at = 44; at < length;) {
        uint8_t entry_length = t[at + 1];
        EXPECT_GE(entry_length, 2u);
        EXPECT_LE(at + entry_length, length);
        if (entry_length < 2) break;
        out.push_back({t[at], at});
        at += entry_length;
    }
    return out;
}

TEST(Madt, HeaderLengthAndChecksum) {
    for (unsigned cpus = 1; cpus <= MADT_MAX_CPUS; ++cpus) {
        std::vector<uint8_t> t(512, 0xcc);
        size_t length = build_madt(t.data(), t.size(), cpus);
        ASSERT_EQ(length, madt_length(cpus));
        EXPECT_EQ(length, 44u + 8 * cpus + 12 + 2 * 10 + 6) << cpus;
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(t.data()), 4), "APIC");
        EXPECT_EQ(get<uint32_t>(t, 4), length);
        EXPECT_EQ(t[8], 5) << "revision";
        EXPECT_EQ(checksum(t.data(), length), 0) << cpus;
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(&t[10]), 6), "KEEL  ");
        EXPECT_EQ(get<uint32_t>(t, 36), 0xfee00000u) << "local APIC address";
        EXPECT_EQ(get<uint32_t>(t, 40), 1u) << "PCAT_COMPAT: the 8259s are there";
        EXPECT_EQ(t[length], 0xcc) << "nothing written past the table";
    }
}

TEST(Madt, OneEnabledLocalApicPerVcpuThenTheIoApic) {
    std::vector<uint8_t> t(512);
    ASSERT_GT(build_madt(t.data(), t.size(), 2), 0u);
    auto e = entries(t);
    ASSERT_EQ(e.size(), 6u);
    for (unsigned cpu = 0; cpu < 2; ++cpu) {
        size_t at = e[cpu].at;
        EXPECT_EQ(e[cpu].type, 0) << "Processor Local APIC";
        EXPECT_EQ(t[at + 1], 8);
        EXPECT_EQ(t[at + 2], cpu) << "ACPI processor UID";
        EXPECT_EQ(t[at + 3], cpu) << "APIC ID";
        EXPECT_EQ(get<uint32_t>(t, at + 4), 1u) << "enabled";
    }
    size_t io = e[2].at;
    EXPECT_EQ(e[2].type, 1) << "I/O APIC";
    EXPECT_EQ(t[io + 1], 12);
    EXPECT_EQ(t[io + 2], 2) << "its ID follows the vCPUs'";
    EXPECT_EQ(get<uint32_t>(t, io + 4), 0xfec00000u);
    EXPECT_EQ(get<uint32_t>(t, io + 8), 0u) << "GSI base";
}

TEST(Madt, OverridesPutThePitOnGsi2AndTheSciLevelHigh) {
    std::vector<uint8_t> t(512);
    ASSERT_GT(build_madt(t.data(), t.size(), 1), 0u);
    auto e = entries(t);
    ASSERT_EQ(e.size(), 5u);
    size_t pit = e[2].at, sci = e[3].at;
    EXPECT_EQ(e[2].type, 2) << "Interrupt Source Override";
    EXPECT_EQ(t[pit + 1], 10);
    EXPECT_EQ(t[pit + 2], 0) << "ISA";
    EXPECT_EQ(t[pit + 3], 0) << "IRQ 0";
    EXPECT_EQ(get<uint32_t>(t, pit + 4), 2u) << "GSI 2";
    EXPECT_EQ(get<uint16_t>(t, pit + 8), 0x0005) << "edge, active high";
    EXPECT_EQ(e[3].type, 2);
    EXPECT_EQ(t[sci + 3], SCI_IRQ);
    EXPECT_EQ(get<uint32_t>(t, sci + 4), uint32_t(SCI_IRQ));
    EXPECT_EQ(get<uint16_t>(t, sci + 8), 0x000d) << "level, active high";
}

TEST(Madt, Lint1IsEveryProcessorsNmi) {
    std::vector<uint8_t> t(512);
    ASSERT_GT(build_madt(t.data(), t.size(), 4), 0u);
    auto e = entries(t);
    ASSERT_EQ(e.size(), 8u);
    size_t nmi = e.back().at;
    EXPECT_EQ(e.back().type, 4) << "Local APIC NMI";
    EXPECT_EQ(t[nmi + 1], 6);
    EXPECT_EQ(t[nmi + 2], 0xff) << "all processors";
    EXPECT_EQ(get<uint16_t>(t, nmi + 3), 0) << "conforms";
    EXPECT_EQ(t[nmi + 5], 1) << "LINT1";
}

TEST(Madt, RefusesTooSmallBuffersAndVcpuCounts) {
    std::vector<uint8_t> t(512, 0xcc);
    EXPECT_EQ(build_madt(t.data(), t.size(), 0), 0u);
    EXPECT_EQ(build_madt(t.data(), t.size(), MADT_MAX_CPUS + 1), 0u);
    EXPECT_EQ(build_madt(t.data(), t.size(), ~0u), 0u);
    EXPECT_EQ(madt_length(0), 0u);
    EXPECT_EQ(madt_length(MADT_MAX_CPUS + 1), 0u);
    EXPECT_EQ(build_madt(t.data(), madt_length(2) - 1, 2), 0u);
    EXPECT_EQ(t[0], 0xcc) << "nothing written";
    EXPECT_EQ(build_madt(t.data(), madt_length(2), 2), madt_length(2)) << "exactly enough";
}

}  // namespace
}  // namespace keel::vmm::acpi
