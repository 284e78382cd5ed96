// The MADT ("APIC") the Linux VMM gives a guest with local APICs and an I/O
// APIC (vmm/devices/local_apic.hpp, io_apic.hpp): one enabled local APIC
// per vCPU (ACPI processor UID = APIC ID = vCPU index), the I/O APIC with
// GSIs 0-23 and the ID after the vCPUs', the ISA overrides Linux expects
// (the PIT's IRQ 0 on GSI 2, the SCI on GSI 9 level-triggered) and LINT1 as
// every CPU's NMI. PCAT_COMPAT: the 8259 pair is there too. Pure:
// unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm::acpi {

inline constexpr unsigned MADT_MAX_CPUS = 8;
inline constexpr uint32_t LOCAL_APIC_ADDRESS = 0xfee00000;
inline constexpr uint32_t IO_APIC_ADDRESS = 0xfec00000;
inline constexpr uint8_t PIT_GSI = 2;  // ISA IRQ 0, overridden

// The MADT's length for `cpus` vCPUs (0 outside 1..MADT_MAX_CPUS).
size_t madt_length(unsigned cpus);
// Writes the MADT at `table` and returns its length; 0 (nothing written) if
// `size` is too small or `cpus` outside 1..MADT_MAX_CPUS.
size_t build_madt(uint8_t* table, size_t size, unsigned cpus);

}  // namespace keel::vmm::acpi
