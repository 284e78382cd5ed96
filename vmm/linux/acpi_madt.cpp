#include "vmm/linux/acpi_madt.hpp"

#include "vmm/linux/acpi_table_writer.hpp"

namespace keel::vmm::acpi {
namespace {

// ACPI 6.3 and later: MADT revision 5 gives the local APIC flags' "online
// capable" bit a meaning; every entry here is enabled and leaves it clear.
constexpr uint8_t REVISION = 5;
constexpr uint32_t PCAT_COMPAT = 1;
// Entry types and lengths (ACPI, "Multiple APIC Description Table").
constexpr uint8_t LOCAL_APIC = 0, IO_APIC = 1, SOURCE_OVERRIDE = 2, LOCAL_APIC_NMI = 4;
constexpr size_t LOCAL_APIC_LENGTH = 8, IO_APIC_LENGTH = 12, OVERRIDE_LENGTH = 10, NMI_LENGTH = 6;
constexpr uint32_t ENABLED = 1;
// MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3.
constexpr uint16_t ACTIVE_HIGH = 1, EDGE = 1 << 2, LEVEL = 3 << 2, CONFORMS = 0;
constexpr size_t FIXED_LENGTH = HEADER_LENGTH + 8;  // + local APIC address and flags
constexpr size_t OVERRIDES = 2;

size_t override_entry(uint8_t* p, size_t at, uint8_t irq, uint32_t gsi, uint16_t flags) {
    p[at] = SOURCE_OVERRIDE;
    p[at + 1] = OVERRIDE_LENGTH;
    p[at + 2] = 0;  // bus: ISA
    p[at + 3] = irq;
    put(p, at + 4, 4, gsi);
    put(p, at + 8, 2, flags);
    return at + OVERRIDE_LENGTH;
}

}  // namespace

size_t madt_length(unsigned cpus) {
    if (cpus < 1 || cpus > MADT_MAX_CPUS) return 0;
    return FIXED_LENGTH + cpus * LOCAL_APIC_LENGTH + IO_APIC_LENGTH + OVERRIDES * OVERRIDE_LENGTH + NMI_LENGTH;
}

size_t build_madt(uint8_t* p, size_t size, unsigned cpus) {
    size_t length = madt_length(cpus);
    if (!length || size < length) return 0;
    for (size_t i = 0; i < length; ++i) p[i] = 0;
    header(p, 0, "APIC", length, REVISION);
    put(p, HEADER_LENGTH, 4, LOCAL_APIC_ADDRESS);
    put(p, HEADER_LENGTH + 4, 4, PCAT_COMPAT);

    size_t at = FIXED_LENGTH;
    for (unsigned cpu = 0; cpu < cpus; ++cpu, at += LOCAL_APIC_LENGTH) {
        p[at] = LOCAL_APIC;
        p[at + 1] = LOCAL_APIC_LENGTH;
        p[at + 2] = uint8_t(cpu);  // ACPI processor UID
        p[at + 3] = uint8_t(cpu);  // APIC ID
        put(p, at + 4, 4, ENABLED);
    }

    p[at] = IO_APIC;
    p[at + 1] = IO_APIC_LENGTH;
    p[at + 2] = uint8_t(cpus);  // its ID follows the local APICs'
    put(p, at + 4, 4, IO_APIC_ADDRESS);
    put(p, at + 8, 4, 0);  // GSI base: its pin n is GSI n
    at += IO_APIC_LENGTH;

    // The PIT's IRQ 0 is wired to pin 2 (pin 0 being the 8259's INTR on a
    // PC); Linux's timer check (check_timer) looks for it there.
    at = override_entry(p, at, 0, PIT_GSI, ACTIVE_HIGH | EDGE);
    // The SCI: without an override, or with "conforms" flags, Linux applies
    // the ACPI default for the SCI, level-triggered and active low
    // (acpi_sci_ioapic_setup). The VMM's SCI is a line that is asserted
    // high, so say so, as QEMU does: level, active high.
    at = override_entry(p, at, SCI_IRQ, SCI_IRQ, ACTIVE_HIGH | LEVEL);

    p[at] = LOCAL_APIC_NMI;
    p[at + 1] = NMI_LENGTH;
    p[at + 2] = 0xff;  // every processor
    put(p, at + 3, 2, CONFORMS);  // LINT1's own polarity and trigger: edge, active high
    p[at + 5] = 1;  // LINT1

    seal(p, 0, length, 9);
    return length;
}

}  // namespace keel::vmm::acpi
