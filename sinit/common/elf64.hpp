// Reads the loadable segments of an ELF64 x86-64 executable, the way GRUB
// does for a Multiboot2 kernel, so the secure loader can enter the
// hypervisor exactly as GRUB would. The bytes are a boot module: untrusted;
// every offset and size is checked against the image. Runs on the host too.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../../hypervisor/lib/status.hpp"

namespace keel::launch {

struct Segment {
    uint64_t paddr;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t mem_size;
    bool executable;
};

struct ElfImage {
    static constexpr size_t MAX_SEGMENTS = 8;
    uint64_t entry;
    Segment segments[MAX_SEGMENTS];
    size_t segment_count;
};

// Accepts only what can be loaded below 4 GiB without wrapping, with the
// entry point inside an executable segment.
Status parse_elf64(const uint8_t* image, size_t size, ElfImage& out);

}  // namespace keel::launch
