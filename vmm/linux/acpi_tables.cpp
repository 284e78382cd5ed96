#include "vmm/linux/acpi_tables.hpp"

#include "vmm/devices/acpi_pm.hpp"
#include "vmm/linux/acpi_table_writer.hpp"

namespace keel::vmm::acpi {
namespace {

// Where each table lies in the area (the FACS 64-byte aligned).
constexpr size_t RSDP = 0, FACS = 0x40, XSDT = 0x80, FADT = 0x100, DSDT = 0x200;
constexpr size_t HEADER = 36, RSDP_LENGTH = 36, FACS_LENGTH = 64, FADT_LENGTH = 244;
constexpr size_t XSDT_ENTRIES = 1;
// The DSDT's AML: Name (_S5, Package (4) { 5, 5, 0, 0 }).
constexpr uint8_t S5_AML[] = {
    0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, dev::AcpiPm::S5_TYPE, 0x0a, dev::AcpiPm::S5_TYPE, 0x00, 0x00};
constexpr size_t DSDT_LENGTH = HEADER + sizeof S5_AML;
static_assert(DSDT + DSDT_LENGTH <= TABLES_SIZE);

}  // namespace

uint8_t checksum(const uint8_t* bytes, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = uint8_t(sum + bytes[i]);
    return sum;
}

uint64_t build_tables(uint8_t* p, size_t size, uint64_t base) {
    if (size < TABLES_SIZE || base % 16 || base + TABLES_SIZE > (uint64_t(1) << 32)) return 0;
    for (size_t i = 0; i < TABLES_SIZE; ++i) p[i] = 0;

    put_text(p, FACS, "FACS", 4);
    put(p, FACS + 4, 4, FACS_LENGTH);
    p[FACS + 32] = 2;  // version

    header(p, DSDT, "DSDT", DSDT_LENGTH, 2);
    for (size_t i = 0; i < sizeof S5_AML; ++i) p[DSDT + HEADER + i] = S5_AML[i];
    seal(p, DSDT, DSDT_LENGTH, 9);

    using dev::AcpiPm;
    header(p, FADT, "FACP", FADT_LENGTH, 3);
    put(p, FADT + 36, 4, base + FACS);
    put(p, FADT + 40, 4, base + DSDT);
    put(p, FADT + 46, 2, SCI_IRQ);
    // SMI_CMD 0: the platform is in ACPI mode from the start (SCI_EN reads 1).
    put(p, FADT + 56, 4, AcpiPm::EVENT_BLOCK);
    put(p, FADT + 64, 4, AcpiPm::CONTROL_BLOCK);
    put(p, FADT + 76, 4, AcpiPm::TIMER_BLOCK);
    p[FADT + 88] = AcpiPm::EVENT_LENGTH;
    p[FADT + 89] = AcpiPm::CONTROL_LENGTH;
    p[FADT + 91] = AcpiPm::TIMER_LENGTH;
    put(p, FADT + 96, 2, 101);  // P_LVL2_LAT > 100: no C2
    put(p, FADT + 98, 2, 1001);  // P_LVL3_LAT > 1000: no C3
    p[FADT + 108] = 0x32;  // the CMOS century byte
    put(p, FADT + 109, 2, 0x3);  // IAPC_BOOT_ARCH: legacy devices, an 8042
    // Flags: WBINVD works, C1 on every CPU, power and sleep buttons are
    // control methods (there are none).
    put(p, FADT + 112, 4, 1u << 0 | 1u << 2 | 1u << 4 | 1u << 5);
    put(p, FADT + 140, 8, base + DSDT);  // X_DSDT, the same
    seal(p, FADT, FADT_LENGTH, 9);

    constexpr size_t xsdt_length = HEADER + 8 * XSDT_ENTRIES;
    header(p, XSDT, "XSDT", xsdt_length, 1);
    put(p, XSDT + HEADER, 8, base + FADT);
    seal(p, XSDT, xsdt_length, 9);

    put_text(p, RSDP, "RSD PTR ", 8);
    put_text(p, RSDP + 9, "KEEL  ", 6);
    p[RSDP + 15] = 2;  // ACPI 2.0+: the XSDT
    put(p, RSDP + 20, 4, RSDP_LENGTH);
    put(p, RSDP + 24, 8, base + XSDT);
    seal(p, RSDP, 20, 8);  // the ACPI 1.0 part
    seal(p, RSDP, RSDP_LENGTH, 32);  // all of it
    return base + RSDP;
}

}  // namespace keel::vmm::acpi
