// The ACPI tables the Linux VMM writes for its guest, read back the way an
// OS finds them: RSDP, XSDT, FADT, FACS and DSDT, each checksummed.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vmm/devices/acpi_pm.hpp"
#include "vmm/linux/acpi_madt.hpp"
#include "vmm/linux/acpi_tables.hpp"

namespace keel::vmm::acpi {
namespace {

constexpr uint64_t BASE = 0xe0000;

template <typename T> T get(const std::vector<uint8_t>& b, uint64_t gpa) {
    T v;
    std::memcpy(&v, &b[gpa - BASE], sizeof v);
    return v;
}
std::string text(const std::vector<uint8_t>& b, uint64_t gpa, size_t n) {
    return {reinterpret_cast<const char*>(&b[gpa - BASE]), n};
}
// A table at `gpa` with its signature and a length that sums to zero.
uint32_t table(const std::vector<uint8_t>& b, uint64_t gpa, const char* signature) {
    EXPECT_EQ(text(b, gpa, 4), signature);
    uint32_t length = get<uint32_t>(b, gpa + 4);
    EXPECT_GE(length, 36u) << signature;
    EXPECT_LE(gpa - BASE + length, b.size()) << signature;
    EXPECT_EQ(checksum(&b[gpa - BASE], length), 0) << signature;
    return length;
}

TEST(AcpiTables, AnOsFindsEveryTableFromTheRsdp) {
    std::vector<uint8_t> area(0x20000, 0xcc);
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE);
    ASSERT_EQ(rsdp, BASE);
    EXPECT_EQ(rsdp % 16, 0u) << "Linux scans 16-byte boundaries";
    EXPECT_EQ(text(area, rsdp, 8), "RSD PTR ");
    EXPECT_EQ(checksum(&area[rsdp - BASE], 20), 0) << "ACPI 1.0 checksum";
    EXPECT_EQ(area[rsdp - BASE + 15], 2) << "revision 2: the XSDT";
    EXPECT_EQ(get<uint32_t>(area, rsdp + 20), 36u);
    EXPECT_EQ(checksum(&area[rsdp - BASE], 36), 0) << "extended checksum";
    uint64_t xsdt = get<uint64_t>(area, rsdp + 24);
    uint32_t xsdt_length = table(area, xsdt, "XSDT");
    ASSERT_EQ(xsdt_length, 36u + 16) << "the FADT and the MADT";
    uint64_t fadt = get<uint64_t>(area, xsdt + 36);
    EXPECT_EQ(table(area, fadt, "FACP"), 244u);
    EXPECT_EQ(area[fadt - BASE + 8], 3) << "FADT revision 3: the X_ fields exist";

    uint64_t facs = get<uint32_t>(area, fadt + 36), dsdt = get<uint32_t>(area, fadt + 40);
    EXPECT_EQ(get<uint64_t>(area, fadt + 140), dsdt) << "X_DSDT agrees with DSDT";
    EXPECT_EQ(text(area, facs, 4), "FACS");
    EXPECT_EQ(get<uint32_t>(area, facs + 4), 64u);
    EXPECT_EQ(facs % 64, 0u) << "the FACS is 64-byte aligned";
    uint32_t dsdt_length = table(area, dsdt, "DSDT");
    const uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 5, 0x0a, 5, 0x00, 0x00};
    ASSERT_EQ(dsdt_length, 36u + sizeof s5);
    EXPECT_EQ(std::memcmp(&area[dsdt - BASE + 36], s5, sizeof s5), 0) << "Name (_S5, Package (4) {5, 5, 0, 0})";
}

TEST(AcpiTables, TheFadtPointsAtTheVmmsPowerManagementPorts) {
    std::vector<uint8_t> area(TABLES_SIZE);
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE);
    uint64_t fadt = get<uint64_t>(area, get<uint64_t>(area, rsdp + 24) + 36);
    EXPECT_EQ(get<uint16_t>(area, fadt + 46), SCI_IRQ);
    EXPECT_EQ(get<uint32_t>(area, fadt + 48), 0u) << "no SMI command port: always in ACPI mode";
    EXPECT_EQ(get<uint32_t>(area, fadt + 56), dev::AcpiPm::EVENT_BLOCK);
    EXPECT_EQ(get<uint32_t>(area, fadt + 64), dev::AcpiPm::CONTROL_BLOCK);
    EXPECT_EQ(get<uint32_t>(area, fadt + 76), dev::AcpiPm::TIMER_BLOCK);
    EXPECT_EQ(area[fadt - BASE + 88], dev::AcpiPm::EVENT_LENGTH);
    EXPECT_EQ(area[fadt - BASE + 89], dev::AcpiPm::CONTROL_LENGTH);
    EXPECT_EQ(area[fadt - BASE + 91], dev::AcpiPm::TIMER_LENGTH);
    EXPECT_EQ(get<uint16_t>(area, fadt + 109), 3) << "legacy devices and an 8042";
    EXPECT_EQ(area[fadt - BASE + 108], 0x32) << "the CMOS century byte";
}

// The XSDT's entries, by signature.
std::vector<std::string> xsdt_signatures(const std::vector<uint8_t>& b, uint64_t rsdp) {
    uint64_t xsdt = get<uint64_t>(b, rsdp + 24);
    uint32_t length = table(b, xsdt, "XSDT");
    std::vector<std::string> out;
    for (uint32_t at = 36; at + 8 <= length; at += 8) out.push_back(text(b, get<uint64_t>(b, xsdt + at), 4));
    return out;
}

// An AML package length (ACPI 6.5, 20.2.4) at `at`: its value and bytes.
uint32_t pkg_length(const uint8_t* p, size_t& bytes) {
    bytes = 1 + (p[0] >> 6);
    if (bytes == 1) return p[0] & 0x3f;
    uint32_t v = p[0] & 0x0f;
    for (size_t i = 1; i < bytes; ++i) v |= uint32_t(p[i]) << (4 + 8 * (i - 1));
    return v;
}

TEST(AcpiTables, WithoutTheTpmNoTpmIsAnnounced) {
    std::vector<uint8_t> area(TABLES_SIZE);
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE);
    EXPECT_EQ(xsdt_signatures(area, rsdp), (std::vector<std::string>{"FACP", "APIC"}));
    std::string all(area.begin(), area.end());
    EXPECT_EQ(all.find("MSFT0101"), std::string::npos);
    EXPECT_EQ(all.find("TPM2"), std::string::npos);
}

TEST(AcpiTables, TheManagementVmsTpmIsATisDeviceWithTheDrtmLogArea) {
    std::vector<uint8_t> area(TABLES_SIZE);
    TableOptions tpm{1, true, 0xf0000, 1234};
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE, tpm);
    ASSERT_EQ(xsdt_signatures(area, rsdp), (std::vector<std::string>{"FACP", "APIC", "TPM2"}));
    uint64_t xsdt = get<uint64_t>(area, rsdp + 24), tpm2 = get<uint64_t>(area, xsdt + 52);
    ASSERT_EQ(table(area, tpm2, "TPM2"), 76u) << "revision 4's length: Linux reads the log area only then";
    EXPECT_EQ(area[tpm2 - BASE + 8], 4);
    EXPECT_EQ(get<uint32_t>(area, tpm2 + 48), 6u) << "start method 6: the TIS (tpm_tis binds, tpm_crb does not)";
    EXPECT_EQ(get<uint32_t>(area, tpm2 + 64), 1234u) << "LAML";
    EXPECT_EQ(get<uint64_t>(area, tpm2 + 68), 0xf0000u) << "LASA";

    // The DSDT: \_S5, then Scope (\_SB) { Device (TPM_) {...} } with
    // lengths that cover exactly what follows them.
    uint64_t dsdt = get<uint32_t>(area, get<uint64_t>(area, xsdt + 36) + 40);
    uint32_t dsdt_length = table(area, dsdt, "DSDT");
    const uint8_t* aml = &area[dsdt - BASE + 36 + 14];
    size_t aml_bytes = dsdt_length - 36 - 14, n = 0;
    ASSERT_EQ(aml[0], 0x10) << "ScopeOp";
    EXPECT_EQ(1 + pkg_length(aml + 1, n), aml_bytes);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(aml + 1 + n), 5), "\\_SB_");
    const uint8_t* device = aml + 1 + n + 5;
    ASSERT_EQ(device[0], 0x5b);
    ASSERT_EQ(device[1], 0x82) << "DeviceOp";
    EXPECT_EQ(2 + pkg_length(device + 2, n), size_t(aml + aml_bytes - device));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(device + 2 + n), 4), "TPM_");
    std::string body(reinterpret_cast<const char*>(device), size_t(aml + aml_bytes - device));
    EXPECT_NE(body.find(std::string("_HID\x0dMSFT0101\0", 14)), std::string::npos);
    EXPECT_NE(body.find(std::string("_STA\x0a\x0f", 6)), std::string::npos);
    // Memory32Fixed (ReadWrite, 0xFED40000, 0x5000), then the end tag.
    const uint8_t mem32[] = {0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xd4, 0xfe, 0x00, 0x50, 0x00, 0x00, 0x79, 0x00};
    size_t crs = body.find("_CRS");
    ASSERT_NE(crs, std::string::npos);
    const uint8_t buffer[] = {0x11, 0x11, 0x0a, sizeof mem32};
    EXPECT_EQ(std::memcmp(body.data() + crs + 4, buffer, sizeof buffer), 0) << "Buffer (14)";
    EXPECT_EQ(std::memcmp(body.data() + crs + 8, mem32, sizeof mem32), 0);
    EXPECT_EQ(crs + 8 + sizeof mem32, body.size()) << "the device ends with its _CRS";
}

// With an assigned device: the PCI root bridge, whose _PRT names the
// device's pin and the guest's GSI; without one, no bus at all.
TEST(AcpiTables, AnAssignedDeviceComesWithThePciRootBridgeAndItsRouting) {
    std::vector<uint8_t> area(TABLES_SIZE);
    TableOptions o;
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE, o);
    EXPECT_EQ(std::string(area.begin(), area.end()).find("PCI0"), std::string::npos);
    o.tpm = true;
    o.pci_device = 3;
    o.pci_pin = 1;
    o.pci_gsi = 11;
    rsdp = build_tables(area.data(), area.size(), BASE, o);
    ASSERT_NE(rsdp, 0u);
    uint64_t xsdt = get<uint64_t>(area, rsdp + 24);
    uint64_t dsdt = get<uint32_t>(area, get<uint64_t>(area, xsdt + 36) + 40);
    uint32_t dsdt_length = table(area, dsdt, "DSDT");
    std::string all(reinterpret_cast<const char*>(&area[dsdt - BASE]), dsdt_length);
    size_t pci = all.find("PCI0");
    ASSERT_NE(pci, std::string::npos);
    // Scope (\_SB) { Device (PCI0) {...} }, the DSDT's last; each length covers what follows it.
    size_t scope = pci - 2 - 2 - 5 - 1, n = 0;
    ASSERT_EQ(area[dsdt - BASE + scope], 0x10);
    EXPECT_EQ(scope + 1 + pkg_length(&area[dsdt - BASE + scope + 1], n), dsdt_length);
    ASSERT_EQ(area[dsdt - BASE + pci - 3], 0x5b);
    ASSERT_EQ(area[dsdt - BASE + pci - 2], 0x82);
    EXPECT_EQ(pci - 1 + pkg_length(&area[dsdt - BASE + pci - 1], n), dsdt_length);
    EXPECT_NE(all.find(std::string("_HID\x0c\x41\xd0\x0a\x03", 9)), std::string::npos) << "EisaId (PNP0A03)";
    // Package (1) { Package (4) { 0x0003FFFF, 1, 0, 11 } }
    const std::string prt("_PRT\x12\x0f\x01\x12\x0c\x04\x0c\xff\xff\x03\x00\x0a\x01\x00\x0a\x0b", 20);
    size_t at = all.find(prt);
    ASSERT_NE(at, std::string::npos);
    EXPECT_EQ(at + prt.size(), all.size()) << "the package ends the device";
    o.pci_pin = 4;
    EXPECT_EQ(build_tables(area.data(), area.size(), BASE, o), 0u) << "INTA-INTD only";
    o.pci_pin = 0;
    o.pci_device = 32;
    EXPECT_EQ(build_tables(area.data(), area.size(), BASE, o), 0u);
}

TEST(AcpiTables, WithoutAnEventLogTheTpm2TableHasNoLogArea) {
    std::vector<uint8_t> area(TABLES_SIZE);
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE, TableOptions{1, true, 0xf0000, 0});
    uint64_t tpm2 = get<uint64_t>(area, get<uint64_t>(area, rsdp + 24) + 52);
    ASSERT_EQ(table(area, tpm2, "TPM2"), 76u);
    EXPECT_EQ(get<uint32_t>(area, tpm2 + 64), 0u);
    EXPECT_EQ(get<uint64_t>(area, tpm2 + 68), 0u) << "no log: Linux publishes none rather than reading zeros";
}

TEST(AcpiTables, TheMadtListsEveryVcpuAndNoneWithoutApics) {
    for (unsigned cpus : {1u, 2u, MADT_MAX_CPUS}) {
        std::vector<uint8_t> area(TABLES_SIZE);
        uint64_t rsdp = build_tables(area.data(), area.size(), BASE, TableOptions{cpus});
        ASSERT_NE(rsdp, 0u) << cpus;
        uint64_t madt = get<uint64_t>(area, get<uint64_t>(area, rsdp + 24) + 44);
        EXPECT_EQ(table(area, madt, "APIC"), madt_length(cpus)) << cpus;
    }
    std::vector<uint8_t> area(TABLES_SIZE);
    uint64_t rsdp = build_tables(area.data(), area.size(), BASE, TableOptions{0});
    EXPECT_EQ(xsdt_signatures(area, rsdp), std::vector<std::string>{"FACP"}) << "the 8259s only";
    EXPECT_EQ(build_tables(area.data(), area.size(), BASE, TableOptions{MADT_MAX_CPUS + 1}), 0u);
}

TEST(AcpiTables, RefusesAnAreaItCannotUse) {
    std::vector<uint8_t> area(TABLES_SIZE);
    EXPECT_EQ(build_tables(area.data(), TABLES_SIZE - 1, BASE), 0u);
    EXPECT_EQ(build_tables(area.data(), area.size(), BASE + 8), 0u) << "not 16-byte aligned";
    EXPECT_EQ(build_tables(area.data(), area.size(), 0xfffffff0), 0u) << "past 4 GiB";
}

}  // namespace
}  // namespace keel::vmm::acpi
