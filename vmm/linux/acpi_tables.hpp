// The ACPI tables the Linux VMM gives its guest, as firmware would: an
// RSDP where Linux looks for one (the BIOS area, 16-byte aligned), an XSDT,
// a FADT that points at the VMM's PM1 blocks and PM timer (vmm/devices/
// acpi_pm.hpp) and declares the legacy devices and the 8042, its FACS, and
// a DSDT with \_S5 (the sleep type that powers off), a MADT (acpi_madt.hpp)
// for the local and I/O APICs, and the PCI root bridge (PNP0A03) through
// which Linux finds bus 0 (with ACPI it scans no bus the DSDT does not
// name), its routing table naming the assigned device's pin. The management VM's
// also announce its TPM as a PC's firmware does (TCG ACPI Specification
// 1.3): a TIS device (MSFT0101) in the DSDT, and a TPM2 table whose log
// area is the DRTM event log, so the guest's own tpm_tis driver binds and
// its kernel publishes the log where standard tools read it.
// Pure: unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/hip.hpp"

namespace keel::vmm::acpi {

inline constexpr size_t TABLES_SIZE = 0x400;  // all of them, from the RSDP
inline constexpr uint8_t SCI_IRQ = 9;

inline constexpr uint64_t TPM_TIS_BASE = abi::TPM_LOCALITY0;  // localities 0-4, as the TIS places them
inline constexpr uint32_t TPM_TIS_SIZE = 0x5000;

struct TableOptions {
    unsigned cpus = 1;  // local APICs in the MADT (1 to MADT_MAX_CPUS; 0: no MADT, only the 8259s)
    bool tpm = false;  // the TIS device and the TPM2 table
    uint64_t event_log_gpa = 0;  // with tpm: the log area (reserved RAM), 0 bytes: none
    uint32_t event_log_bytes = 0;
    // An assigned PCI function on bus 0 (device 1-31; 0: none) and the I/O
    // APIC pin its INTx (pin 0-3: INTA-INTD) reaches, for the PCI root
    // bridge's routing table (_PRT).
    uint8_t pci_device = 0, pci_pin = 0, pci_gsi = 0;
};

// Writes the tables into `area` (guest RAM at guest-physical `base`,
// 16-byte aligned, below 4 GiB) and returns the RSDP's guest-physical
// address; 0 if `size` is less than TABLES_SIZE or `base` unusable.
uint64_t build_tables(uint8_t* area, size_t size, uint64_t base, const TableOptions& options = {});

// The byte sum of a table (a valid one sums to 0).
uint8_t checksum(const uint8_t* bytes, size_t n);

}  // namespace keel::vmm::acpi
