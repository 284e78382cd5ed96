// Checks the boot loader's memory map before anything trusts it. The map
// comes from the firmware through GRUB and the unmeasured pre-launch stage,
// and both the secure loader (which RAM may hold what it measures) and the
// hypervisor (its allocator and identity map) build on it, so a map that
// puts RAM over a device, or claims the same bytes twice, stops the launch.
// Works on the map tag's raw entries, so a map of any length is checked
// whole (the secure loader has no room to store one). Runs on the host too.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/kernel/multiboot2.hpp"

namespace keel::mb2 {

// Physical ranges that are never RAM, whatever the map says.
struct DeviceWindow {
    uint64_t base, end;  // end exclusive
    const char* what;
};

struct MapProblem {
    const char* what;  // a sentence: why the map is refused
    size_t index;  // the entry
    uint64_t base, end;  // its range (end exclusive)
    const char* window;  // for a device window: which one
};

// Ok, or Malformed with `problem` filled: no map, an empty or wrapping
// entry, entries not in ascending order or overlapping, usable RAM in the
// legacy VGA window (0xA0000-0xBFFFF), in the device window below 4 GiB
// (I/O APIC, HPET, TPM, AMD IOMMU, local APIC, flash: 0xFEC00000 up) or in
// one of `extra` (e.g. where the local APIC is).
Status check_memory_map(const BootInfo& info, const DeviceWindow* extra, size_t extra_count, MapProblem& problem);

// True if [base, base + size) lies inside one usable entry of the map.
bool is_usable_ram(const BootInfo& info, uint64_t base, uint64_t size);

// The end of the highest usable entry that starts below `limit`, capped at
// `limit`; 0 if there is none.
uint64_t usable_top_below(const BootInfo& info, uint64_t limit);

// On AMD everything below TOP_MEM (MSR C001_001Ah) is DRAM and the range
// from it to 4 GiB is the MMIO hole: a map that calls memory in the hole
// usable was changed. NotImplemented: `top_mem` is no value a CPU leaves
// (0 from an emulator without the MSR, or beyond 4 GiB).
enum class TopMem { Agrees, MapAbove, NotImplemented };
TopMem compare_with_top_mem(const BootInfo& info, uint64_t top_mem);

}  // namespace keel::mb2
