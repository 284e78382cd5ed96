// What the platform offers to protect the SLB from device DMA, reported on
// the console. SKINIT itself protects the 64 KiB SLB (SL_DEV on older
// families, the memory-protection unit on family 17h and later); the
// hypervisor's IOMMU takes over afterwards.
#pragma once

namespace keel::prelaunch {

void report_dma_protection();

}  // namespace keel::prelaunch
