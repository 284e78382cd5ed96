// What the pre-launch stage leaves for the Secure Loader Block, at the offset
// the SLB header names, inside the SLB's 64 KiB but outside its measured
// part. Everything here is untrusted: the SLB checks every address before use.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/amd_iommu/layout.hpp"

namespace keel::launch {

constexpr uint32_t SLB_SIZE = 0x10000;  // SKINIT protects and hands over 64 KiB
constexpr uint32_t HANDOFF_MAX = 256;  // bytes the SLB reserves for it
constexpr uint32_t HANDOFF_MAGIC = 0x4f484c4b;  // "KLHO"
constexpr uint32_t HANDOFF_VERSION = 3;

// Memory for the IOMMU tables the SLB writes (their layout: amd_iommu_hw.hpp).
constexpr uint64_t DMA_TABLES_SIZE = x86::amd_iommu::DMA_TABLES_SIZE;

// The pre-launch stage's command-line word that switches DMA protection off
// (the log says so, and a verifier policy can refuse such a launch).
constexpr char DMA_UNPROTECTED_OPTION[] = "dma-unprotected";
constexpr uint32_t HANDOFF_DMA_UNPROTECTED = 1u << 0;

// How the pre-launch stage started the SLB. The SLB records it in the event
// log (informational: the pre-launch stage is not trusted, and a TPM's
// locality-4 reset, which the hypervisor checks, is what no software fakes).
enum class LaunchMethod : uint32_t {
    Skinit = 1,  // the CPU's SKINIT instruction
    Emulated = 2,  // keel-platform's emulated SKINIT on COM2 (QEMU, tests)
};

// The first 8 bytes of the SLB: SKINIT reads the first two words (entry
// offset, measured length: the core); the third tells the pre-launch stage
// where to put the hand-off block; the fourth is where the loader, which the
// core measures before running it, ends.
struct SlbHeader {
    uint16_t entry;
    uint16_t measured_length;
    uint16_t handoff_offset;
    uint16_t image_length;
};

struct Handoff {
    uint32_t magic;
    uint32_t version;
    uint64_t boot_info;  // a copy of the boot loader's Multiboot2 information
    uint64_t boot_info_size;
    uint64_t event_log;  // where the SLB writes the DRTM event log
    uint64_t event_log_size;
    uint64_t next_boot_info;  // where the SLB builds the hypervisor's Multiboot2 information
    uint64_t next_boot_info_size;
    LaunchMethod method;
    uint32_t flags;  // HANDOFF_*
    uint64_t dma_tables;  // DMA_TABLES_SIZE bytes, 4 KiB aligned, for the SLB's IOMMU tables
};

}  // namespace keel::launch
