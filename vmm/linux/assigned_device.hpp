// The guest's assigned PCI function (VmmStart's START_DEVICE): the root task
// already made its DMA go through the guest's memory space, mapped its
// memory BARs into this VMM's DEVICE_WINDOW and gave it the semaphore the
// device's INTx ups. This VMM shows the guest the function's configuration
// space (dev::AssignedPciFunction) on bus 0, maps its BARs into the guest
// where the host has them, and relays its interrupt: a thread of its own
// waits for the host's line and raises the guest's I/O APIC pin; the
// guest's EOI lowers it and lets the host's line come again.
#pragma once
#include <stdint.h>

#include "vmm/launch/vmm_start.hpp"
#include "vmm/linux/acpi_tables.hpp"
#include "vmm/linux/pc_platform.hpp"

namespace keel::vmm::linux_vm {

struct Vm;

// Where the guest finds it: 00:03.0, its INTx on I/O APIC pin 11 (a pin no
// ISA device of this PC uses).
inline constexpr uint8_t DEVICE_SLOT = 3, DEVICE_GSI = 11;

// Before the guest runs: reads its configuration through the kernel, maps
// its BARs, puts it on the bus and in the ACPI routing table. False (and
// says why) if any of that fails.
bool attach_device(Vm& vm, PcPlatform& pc, const VmmStart& start, acpi::TableOptions& tables);
// Once the vCPU exists: the thread that relays the device's interrupts.
bool start_device_thread(uint16_t cpu);
// From the exit handler, after each exit: a raised line to the platform,
// and an ended interrupt back to the thread.
void relay_device_interrupt(Vm& vm, PcPlatform& pc);

}  // namespace keel::vmm::linux_vm
