// The I/O APIC: where device interrupt lines (GSIs) become vectors on a CPU.
// Keel parses no ACPI, so it drives the one I/O APIC at the address every
// PC chipset decodes by default (0xfec00000) and finds its pin count in its
// version register; a machine with more I/O APICs has its other GSIs unused.
#pragma once
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::x86::ioapic {

// Every pin masked; NotFound if nothing answers at the address.
Status init();
unsigned pins();
// Pin `pin` delivers `vector` to the CPU with `apic_id` (fixed, physical):
// level-triggered and active low (PCI lines, GSI 16 and up) or edge and
// active high (ISA lines). Unmasked.
void route(unsigned pin, uint8_t vector, uint32_t apic_id, bool level);
void mask(unsigned pin);
// A level-triggered pin's arrival is over (its Remote IRR cleared): the
// local APIC's EOI does not reach the I/O APIC when the interrupt came
// through an IOMMU's remapping, which delivers it as an edge.
void end_of_interrupt(unsigned pin, uint8_t vector);
void unmask(unsigned pin);

}  // namespace keel::x86::ioapic
