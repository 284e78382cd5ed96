// Where each part of the AMD IOMMU tables lies in the memory the secure
// loader writes them to and the kernel takes over: a contract between the
// pre-launch stage (which sets the memory aside), the SLB and the kernel.
// Includes nothing: host tools read it too.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::x86::amd_iommu {

// The tables the SLB writes and the kernel keeps: one device table for all
// 65,536 requester IDs (32 bytes each), a command buffer per IOMMU, and a
// page for completion stores, in that order.
constexpr uint64_t MAX_IOMMUS = 8;
constexpr uint64_t DEVICE_TABLE_SIZE = 65536 * 32;
constexpr uint64_t COMMAND_BUFFER_SIZE = 4096;
constexpr uint64_t DMA_TABLES_SIZE = DEVICE_TABLE_SIZE + MAX_IOMMUS * COMMAND_BUFFER_SIZE + 4096;
constexpr uint64_t command_buffer(uint64_t tables, size_t iommu) {
    return tables + DEVICE_TABLE_SIZE + iommu * COMMAND_BUFFER_SIZE;
}
constexpr uint64_t completion_store(uint64_t tables) {
    return tables + DEVICE_TABLE_SIZE + MAX_IOMMUS * COMMAND_BUFFER_SIZE;
}

}  // namespace keel::x86::amd_iommu
