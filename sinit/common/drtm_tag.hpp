// The Multiboot2 tag the secure loader adds for the hypervisor: where the
// DRTM event log is. Multiboot2 lets an OS skip tag types it does not know,
// so a Keel-specific type number is safe for any other kernel.
#pragma once
#include <stdint.h>

namespace keel::launch {

constexpr uint32_t MB2_TAG_KEEL_DRTM = 0x4b4c0001;

struct DrtmTag {
    uint32_t type;  // MB2_TAG_KEEL_DRTM
    uint32_t size;  // sizeof(DrtmTag)
    uint64_t event_log;
    uint32_t event_log_capacity;
    uint32_t event_log_used;
    uint64_t slb_base;
    uint32_t slb_measured_length;
    uint32_t banks;  // how many PCR banks the loader extended
    uint64_t dma_tables;  // the IOMMU tables blocking all DMA, or 0: unprotected
    uint32_t dma_tables_size;
    uint32_t iommu_count;
};
// hypervisor/kernel/multiboot2.cpp parses exactly this layout.
static_assert(sizeof(DrtmTag) == 56, "the hypervisor's parser expects a 56-byte DRTM tag");

}  // namespace keel::launch
