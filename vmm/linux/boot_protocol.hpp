// The Linux/x86 boot protocol as this VMM, the guest's boot loader, follows
// it (the kernel's Documentation/arch/x86/boot.rst): a bzImage is a
// real-mode setup part, whose header at 0x1f1 describes the kernel, then
// the protected-mode kernel, which is copied to 1 MiB and entered at its
// 32-bit entry with the "zero page" (struct boot_params) in ESI. The image
// is a boot module the guest's owner chose: every field is checked against
// its size and the guest's RAM. Pure: unit-tested and fuzzed on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::vmm::boot {

inline constexpr uint64_t BOOT_PARAMS_GPA = 0x7000;  // the zero page
inline constexpr uint64_t CMDLINE_GPA = 0x20000;
inline constexpr uint64_t CMDLINE_MAX = 0x1000;  // bytes with the NUL, below what the kernel reads (2048+)
inline constexpr uint64_t KERNEL_GPA = 0x100000;  // where every bzImage may be loaded
inline constexpr uint64_t LOW_RAM_END = 0x9fc00;  // then the EBDA and the legacy hole, as on a PC
inline constexpr uint64_t BIOS_AREA = 0xe0000;  // firmware tables live here (reserved)
inline constexpr size_t BOOT_PARAMS_SIZE = 4096;
inline constexpr uint16_t MIN_PROTOCOL = 0x020c;  // 2.12: xloadflags, a 64-bit kernel says so

enum E820Type : uint32_t { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3 };
struct MemoryRange {
    uint64_t base, size;
    uint32_t type;
};

struct KernelImage {
    uint16_t protocol;  // 0x020f for 2.15
    uint32_t header_end;  // the setup header's bytes, 0x1f1 up to here, are copied into the zero page
    uint64_t kernel_offset, kernel_bytes;  // the protected-mode kernel within the image
    uint64_t pref_address;  // where it will decompress itself (its LOAD_PHYSICAL_ADDR)
    uint32_t init_size;  // bytes it needs from there while it starts
    uint32_t initrd_addr_max;  // the highest byte an initrd may occupy
    uint32_t cmdline_size;  // the longest command line it reads, without the NUL
};

// A bzImage the VMM can boot: boot flag 0xAA55, "HdrS", protocol 2.12 or
// later, a relocatable 64-bit kernel, sizes within the image.
Status parse_bzimage(const uint8_t* image, size_t size, KernelImage& out, const char*& why);

// What the kernel may not overwrite before it has taken them: its own
// working area from KERNEL_GPA, and where the initrd goes.
struct LoadPlan {
    uint64_t kernel_end;  // the kernel uses [KERNEL_GPA, kernel_end) while it starts
    uint64_t initrd_gpa, initrd_bytes;
};
// Checks that an initrd at [initrd_gpa, +initrd_bytes) (0 bytes: none) lies
// in RAM, above the kernel's working area and within what it can address.
Status plan_load(const KernelImage& k, uint64_t ram_bytes, uint64_t initrd_gpa, uint64_t initrd_bytes, LoadPlan& out,
                 const char*& why);

// The guest's memory map: low RAM, the legacy hole and firmware area
// (reserved), RAM from 1 MiB. Returns the ranges written (at most `max`).
size_t guest_memory_map(uint64_t ram_bytes, MemoryRange* out, size_t max);

// The zero page: the image's setup header, then what a boot loader fills
// in (loader type, command line, initrd, the memory map, where the ACPI
// tables are (0: none); no video). `command_line_bytes` excludes the NUL.
Status write_boot_params(uint8_t* zero_page, const uint8_t* image, const KernelImage& k, const LoadPlan& plan,
                         uint64_t command_line_bytes, const MemoryRange* map, size_t map_count, uint64_t rsdp_gpa);

}  // namespace keel::vmm::boot
