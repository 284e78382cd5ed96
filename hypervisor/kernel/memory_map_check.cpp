#include "hypervisor/kernel/memory_map_check.hpp"

namespace keel::mb2 {
namespace {

bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end) { return a < b_end && b < a_end; }

Status refuse(MapProblem& p, const char* what, size_t i, const MemoryRegion& r, const char* window = nullptr) {
    p = {what, i, r.base, r.base + r.length, window};
    return Status::Malformed;
}

}  // namespace

Status check_memory_map(const BootInfo& info, const DeviceWindow* extra, size_t extra_count, MapProblem& problem) {
    size_t n = memory_map_entries(info);
    if (!info.has_memory_map || n == 0) return refuse(problem, "there is no memory map", 0, {});
    uint64_t previous_end = 0;
    for (size_t i = 0; i < n; ++i) {
        MemoryRegion r = memory_map_entry(info, i);
        if (r.length == 0) return refuse(problem, "an entry is empty", i, r);
        if (r.base + r.length < r.base) return refuse(problem, "an entry wraps around the address space", i, r);
        // Sorted and disjoint: a byte described twice could be RAM to one
        // reader and a device to another.
        if (i > 0 && r.base < previous_end)
            return refuse(problem, "an entry overlaps or precedes the one before it", i, r);
        previous_end = r.base + r.length;
        if (r.type != uint32_t(MemoryType::Usable)) continue;
        // Spelled out rather than a table of windows: a table of pointers
        // would need relocations, which the position-independent SLB refuses.
        if (overlaps(r.base, r.base + r.length, 0xa0000, 0xc0000))
            return refuse(problem, "usable RAM in a device window", i, r, "the legacy VGA window");
        if (overlaps(r.base, r.base + r.length, 0xfec00000, 0x100000000))
            return refuse(problem, "usable RAM in a device window", i, r,
                          "the device window below 4 GiB (I/O APIC, TPM, IOMMU, local APIC, flash)");
        for (size_t k = 0; k < extra_count; ++k)
            if (overlaps(r.base, r.base + r.length, extra[k].base, extra[k].end))
                return refuse(problem, "usable RAM in a device window", i, r, extra[k].what);
    }
    return Status::Ok;
}

bool is_usable_ram(const BootInfo& info, uint64_t base, uint64_t size) {
    if (base + size < base) return false;
    for (size_t i = 0; i < memory_map_entries(info); ++i) {
        MemoryRegion r = memory_map_entry(info, i);
        if (r.type == uint32_t(MemoryType::Usable) && base >= r.base && base + size <= r.base + r.length) return true;
    }
    return false;
}

uint64_t usable_top_below(const BootInfo& info, uint64_t limit) {
    uint64_t top = 0;
    for (size_t i = 0; i < memory_map_entries(info); ++i) {
        MemoryRegion r = memory_map_entry(info, i);
        if (r.type != uint32_t(MemoryType::Usable) || r.base >= limit) continue;
        uint64_t end = r.base + r.length > limit ? limit : r.base + r.length;
        if (end > top) top = end;
    }
    return top;
}

TopMem compare_with_top_mem(const BootInfo& info, uint64_t top_mem) {
    constexpr uint64_t low_memory = 1ull << 20, limit = 1ull << 32;
    if (top_mem <= low_memory || top_mem > limit) return TopMem::NotImplemented;
    return usable_top_below(info, limit) > top_mem ? TopMem::MapAbove : TopMem::Agrees;
}

}  // namespace keel::mb2
