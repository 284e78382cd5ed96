// Blocks all device DMA with the AMD IOMMU(s) before the secure loader reads
// anything it will measure: every IOMMU on every PCI bus gets one device
// table in which all 65,536 requester IDs are valid, translated, and allowed
// neither to read nor to write (V=1, TV=1, Mode 0, IR=IW=0), and whose
// interrupts are all blocked (IV=1, IntCtl 0, no pass bits): no device can
// send an INIT, NMI or SMI. The hypervisor uses no device interrupt yet; it
// will give them out through its own remapping tables. The
// tables lie in memory the pre-launch stage set aside and the SLB checked;
// the hypervisor takes them over as they are (the DRTM tag says where).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/arch/x86/amd_iommu/registers.hpp"
#include "lib/status.hpp"

namespace keel::slb {

using x86::amd_iommu::MAX_IOMMUS;
using IommuFound = x86::amd_iommu::Found;

// Programs and enables each IOMMU with the blocking device table at
// `tables` (4 KiB aligned, DMA_TABLES_SIZE bytes), invalidates everything it
// may have cached, waits for completion, and reads the table back: a device
// that raced the SLB to change an entry before the IOMMU was on is caught.
Status block_all_dma(const IommuFound& iommus, uint64_t tables);

}  // namespace keel::slb
