#include "vmm/linux/acpi_tables.hpp"

#include "vmm/devices/acpi_pm.hpp"
#include "vmm/linux/acpi_madt.hpp"
#include "vmm/linux/acpi_table_writer.hpp"

namespace keel::vmm::acpi {
namespace {

// Where each table lies in the area (the FACS 64-byte aligned).
constexpr size_t RSDP = 0, FACS = 0x40, XSDT = 0x80, FADT = 0x100, DSDT = 0x200, TPM2 = 0x300, MADT = 0x350;
constexpr size_t HEADER = 36, RSDP_LENGTH = 36, FACS_LENGTH = 64, FADT_LENGTH = 244;
// The TPM2 table with the log area fields (revision 4): Linux reads the
// event log only from a table this long.
constexpr size_t TPM2_LENGTH = 76;
constexpr uint32_t TPM2_START_TIS = 6;  // "uses the FIFO (TIS) interface": tpm_tis's, not tpm_crb's
// The DSDT's AML: Name (_S5, Package (4) { 5, 5, 0, 0 }).
constexpr uint8_t S5_AML[] = {
    0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, dev::AcpiPm::S5_TYPE, 0x0a, dev::AcpiPm::S5_TYPE, 0x00, 0x00};
// Scope (\_SB) { Device (TPM) { Name (_HID, "MSFT0101"), Name (_STA, 0x0F),
//   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite,
//   0xFED40000, 0x5000) }) } }: every locality's page, as on a PC (the
// guest's driver uses locality 0; 1-4 are not mapped and read as nothing).
constexpr uint8_t b(uint32_t v, unsigned byte) { return uint8_t(v >> (8 * byte)); }
// clang-format off
constexpr uint8_t TPM_AML[] = {
    0x10, 0x3a, '\\', '_', 'S', 'B', '_',  // Scope, its length, \_SB_
    0x5b, 0x82, 0x32, 'T', 'P', 'M', '_',  // Device, its length, TPM_
    0x08, '_', 'H', 'I', 'D', 0x0d, 'M', 'S', 'F', 'T', '0', '1', '0', '1', 0x00,
    0x08, '_', 'S', 'T', 'A', 0x0a, 0x0f,
    0x08, '_', 'C', 'R', 'S', 0x11, 0x11, 0x0a, 0x0e,  // a 14-byte buffer
    0x86, 0x09, 0x00, 0x01,  // Memory32Fixed, read-write
    b(uint32_t(TPM_TIS_BASE), 0), b(uint32_t(TPM_TIS_BASE), 1), b(uint32_t(TPM_TIS_BASE), 2),
    b(uint32_t(TPM_TIS_BASE), 3), b(TPM_TIS_SIZE, 0), b(TPM_TIS_SIZE, 1), b(TPM_TIS_SIZE, 2), b(TPM_TIS_SIZE, 3),
    0x79, 0x00};  // the end tag (checksum 0: not checked)
// clang-format on
static_assert(sizeof TPM_AML == 1 + 0x3a, "the scope's length covers all but its opcode");
constexpr size_t PCI_ROOT_MAX = 51;
static_assert(DSDT + HEADER + sizeof S5_AML + sizeof TPM_AML + PCI_ROOT_MAX <= TPM2 &&
              TPM2 + TPM2_LENGTH <= TABLES_SIZE);

// With an assigned device: Scope (\_SB) { Device (PCI0) { Name (_HID,
//   EisaId ("PNP0A03")), Name (_UID, 0), Name (_PRT, Package () {
//   Package () { 0xDDFFFF, PIN, 0, GSI } }) } }: bus 0, its windows
//   Linux's default (all of memory and I/O: the DSDT gives no _CRS), and
//   the device's INTx as a GSI (level, active low, as PCI's are). Without
//   one no bus is named: the guest has no PCI device to find.
size_t write_pci_root(uint8_t* p, const TableOptions& o) {
    size_t n = 0;
    auto put8 = [&](uint8_t v) { p[n++] = v; };
    auto name = [&](const char* s) {
        for (int i = 0; i < 4; ++i) put8(uint8_t(s[i]));
    };
    const size_t prt_bytes = 21, device_bytes = 1 + 4 + 10 + 6 + prt_bytes, scope_bytes = 1 + 5 + 2 + device_bytes;
    put8(0x10);
    put8(uint8_t(scope_bytes));  // below 64: one length byte
    put8('\\');
    name("_SB_");
    put8(0x5b);
    put8(0x82);
    put8(uint8_t(device_bytes));
    name("PCI0");
    put8(0x08);
    name("_HID");
    put8(0x0c);
    const uint8_t pnp0a03[] = {0x41, 0xd0, 0x0a, 0x03};  // EisaId ("PNP0A03")
    for (uint8_t b : pnp0a03) put8(b);
    put8(0x08);
    name("_UID");
    put8(0x00);
    put8(0x08);
    name("_PRT");
    put8(0x12);
    put8(15);  // this length byte and what follows
    put8(1);
    put8(0x12);
    put8(12);
    put8(4);
    put8(0x0c);
    const uint8_t address[] = {0xff, 0xff, o.pci_device, 0};  // the device, any function
    for (uint8_t b : address) put8(b);
    put8(0x0a);
    put8(o.pci_pin);
    put8(0x00);  // no link device: a GSI
    put8(0x0a);
    put8(o.pci_gsi);
    return n;
}

}  // namespace

uint8_t checksum(const uint8_t* bytes, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = uint8_t(sum + bytes[i]);
    return sum;
}

uint64_t build_tables(uint8_t* p, size_t size, uint64_t base, const TableOptions& options) {
    if (size < TABLES_SIZE || base % 16 || base + TABLES_SIZE > (uint64_t(1) << 32)) return 0;
    for (size_t i = 0; i < TABLES_SIZE; ++i) p[i] = 0;

    put_text(p, FACS, "FACS", 4);
    put(p, FACS + 4, 4, FACS_LENGTH);
    p[FACS + 32] = 2;  // version

    size_t dsdt_length = HEADER;
    for (uint8_t byte : S5_AML) p[DSDT + dsdt_length++] = byte;
    if (options.tpm)
        for (uint8_t byte : TPM_AML) p[DSDT + dsdt_length++] = byte;
    if (options.pci_device > 31 || options.pci_pin > 3) return 0;
    if (options.pci_device) dsdt_length += write_pci_root(p + DSDT + dsdt_length, options);
    header(p, DSDT, "DSDT", dsdt_length, 2);
    seal(p, DSDT, dsdt_length, 9);

    if (options.tpm) {
        header(p, TPM2, "TPM2", TPM2_LENGTH, 4);
        // Platform class 0 (client); no control area: the TIS has none.
        put(p, TPM2 + 48, 4, TPM2_START_TIS);
        if (options.event_log_bytes) {
            put(p, TPM2 + 64, 4, options.event_log_bytes);  // LAML
            put(p, TPM2 + 68, 8, options.event_log_gpa);  // LASA
        }
        seal(p, TPM2, TPM2_LENGTH, 9);
    }

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

    static_assert(TPM2 + TPM2_LENGTH <= MADT);
    if (options.cpus && !build_madt(p + MADT, TABLES_SIZE - MADT, options.cpus)) return 0;

    size_t xsdt_length = HEADER;
    put(p, XSDT + xsdt_length, 8, base + FADT);
    xsdt_length += 8;
    if (options.cpus) {
        put(p, XSDT + xsdt_length, 8, base + MADT);
        xsdt_length += 8;
    }
    if (options.tpm) {
        put(p, XSDT + xsdt_length, 8, base + TPM2);
        xsdt_length += 8;
    }
    static_assert(XSDT + HEADER + 3 * 8 <= FADT);
    header(p, XSDT, "XSDT", xsdt_length, 1);
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
