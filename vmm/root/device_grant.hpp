// A host PCI function given to a VM (`pci=` on its `linux` line): its DMA
// through the guest's memory space, its memory BARs and its INTx, by the
// root task, which alone may assign devices and interrupts.
#pragma once
#include <stdint.h>

#include "abi/capability.hpp"
#include "abi/hip.hpp"
#include "abi/status.hpp"
#include "vmm/launch/vmm_start.hpp"
#include "vmm/root/vm_config.hpp"

namespace keel::root {

// Gives `pd` (VM `vm`'s VMM) the function spec.pci: assign_dev for its DMA,
// its BARs into the VMM's device window, its INTx (host pin spec.gsi, taken
// on `cpu`) to the new semaphore `sm`, which the VMM gets at
// SEL_DEVICE_SM; and says so in `start`. False (and says why) if the
// information page does not list the function (no IOMMU confines it) or a
// step is refused.
bool give_device(const abi::Hip& hip, const char* vm, const VmSpec& spec, abi::Selector pd, abi::Selector sm,
                 uint16_t cpu, vmm::VmmStart& start);

}  // namespace keel::root
