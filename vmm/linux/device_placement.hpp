// Where an assigned device's memory BAR may appear in a Linux guest: where
// the host has it (the guest's driver finds it there through the BAR, which
// it cannot move), in whole pages, above the guest's RAM and its first MiB,
// and clear of what this VMM emulates (the local and I/O APICs, the TPM's
// localities): otherwise the device's registers would stand in for the
// guest's own RAM or for a device the VMM answers. Pure: unit-tested.
#pragma once
#include <stdint.h>

#include "vmm/devices/io_apic.hpp"
#include "vmm/devices/local_apic.hpp"
#include "vmm/linux/acpi_tables.hpp"

namespace keel::vmm::linux_vm {

constexpr bool overlaps(uint64_t a, uint64_t a_bytes, uint64_t b, uint64_t b_bytes) {
    return a < b + b_bytes && b < a + a_bytes;
}

constexpr bool bar_placeable(uint64_t address, uint64_t size, uint64_t ram_bytes) {
    constexpr uint64_t PAGE = 4096;
    if (size == 0 || address % PAGE || size % PAGE || address + size <= address) return false;
    if (address < ram_bytes || address < (uint64_t(1) << 20)) return false;  // the guest's RAM, the PC's first MiB
    return !overlaps(address, size, dev::LocalApic::BASE, dev::LocalApic::SIZE) &&
           !overlaps(address, size, dev::IoApic::BASE, dev::IoApic::SIZE) &&
           !overlaps(address, size, acpi::TPM_TIS_BASE, acpi::TPM_TIS_SIZE);
}

}  // namespace keel::vmm::linux_vm
