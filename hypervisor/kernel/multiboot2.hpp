// Multiboot2 boot-information parser. The bytes come from the boot loader;
// the parser bounds every read by the structure's own total_size, and by the
// caller's idea of how many bytes exist, so a malformed block yields a status,
// never a wild read. Runs on the host too (unit tests, fuzz target).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"
#include "lib/string.hpp"

namespace keel::mb2 {

constexpr uint32_t BOOTLOADER_MAGIC = 0x36d76289;  // in EAX at entry

enum class MemoryType : uint32_t {
    Usable = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    Bad = 5,
};
// The type's name, or nullptr for a type Multiboot2 does not define
// (GRUB passes firmware-specific types through).
const char* memory_type_name(uint32_t type);

struct MemoryRegion {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

struct Module {
    uint32_t start;
    uint32_t end;  // exclusive
    StringView cmdline;
};

// Left by Keel's secure loader after a dynamic launch (sinit/common/drtm_tag.hpp):
// where the DRTM event log is. Its presence proves nothing; PCR 17 does.
struct DrtmLaunch {
    bool present;
    uint64_t event_log;
    uint32_t event_log_capacity;
    uint32_t event_log_used;
    uint64_t slb_base;
    uint32_t slb_measured_length;
    uint32_t banks;
    uint64_t dma_tables;  // the SLB's IOMMU tables (device table, command buffers), or 0
    uint32_t dma_tables_size;
    uint32_t iommu_count;
};

struct BootInfo {
#ifndef KEEL_MB2_MAX_REGIONS
#define KEEL_MB2_MAX_REGIONS 512  // UEFI machines report hundreds
#endif
    static constexpr size_t MAX_REGIONS = KEEL_MB2_MAX_REGIONS;
    static constexpr size_t MAX_MODULES = 32;

    uint32_t total_size = 0;
    StringView cmdline;
    StringView loader_name;
    MemoryRegion regions[MAX_REGIONS] = {};
    size_t region_count = 0;
    size_t regions_dropped = 0;  // entries beyond MAX_REGIONS, not used
    Module modules[MAX_MODULES] = {};
    size_t module_count = 0;
    bool has_memory_map = false;
    // The map tag's entries as the loader wrote them, for checks that must
    // see every entry however many there are (memory_map_check.hpp).
    const uint8_t* memory_map = nullptr;
    uint32_t memory_map_size = 0;  // bytes of entries
    uint32_t memory_map_entry_size = 0;
    DrtmLaunch drtm = {};
};

// The map tag's entries as the loader wrote them, all of them (BootInfo's
// regions stop at MAX_REGIONS): how many, and the i-th decoded.
size_t memory_map_entries(const BootInfo& info);
MemoryRegion memory_map_entry(const BootInfo& info, size_t i);

// Parses the information block at `data`, of which at most `available`
// bytes may be read. On success `out` points into `data` for strings.
Status parse(const uint8_t* data, size_t available, BootInfo& out);

}  // namespace keel::mb2
