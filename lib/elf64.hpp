// Reads the loadable segments of an ELF64 x86-64 executable: the way GRUB
// does for a Multiboot2 kernel (physical addresses below 4 GiB), so the
// secure loader can enter the hypervisor exactly as GRUB would, and the way
// the kernel loads the root task (virtual addresses in the user half). The
// bytes are a boot module: untrusted; every offset and size is checked
// against the image. Runs on the host too.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::launch {

struct Segment {
    uint64_t paddr;  // the address the limits applied to: p_paddr, or p_vaddr for a virtual image
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t mem_size;
    bool executable;
    bool writable;
};

// Where segments may lie, [low, high), and which address they are placed by.
struct ElfLimits {
    uint64_t low, high;
    bool virtual_addresses;
};
inline constexpr ElfLimits BELOW_4G_PHYSICAL{0, uint64_t(1) << 32, false};  // the loader hands over in 32-bit mode

struct ElfImage {
    static constexpr size_t MAX_SEGMENTS = 8;
    uint64_t entry;
    Segment segments[MAX_SEGMENTS];
    size_t segment_count;
};

// Accepts only segments that lie within `limits` without wrapping, with the
// entry point inside an executable segment.
Status parse_elf64(const uint8_t* image, size_t size, ElfImage& out, ElfLimits limits = BELOW_4G_PHYSICAL);

}  // namespace keel::launch
