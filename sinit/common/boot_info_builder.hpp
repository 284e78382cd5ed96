// Builds the Multiboot2 information block the secure loader hands to the
// hypervisor: the loader's own tags (memory map, ACPI, framebuffer...) copied
// through, the hypervisor's command line, the remaining modules with the very
// command-line bytes that were measured, and the DRTM tag. Runs on the host too.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"
#include "lib/string.hpp"

namespace keel::launch {

class BootInfoBuilder {
public:
    BootInfoBuilder(uint8_t* out, size_t cap);

    // A tag of `type` with `payload`; returns where the payload landed, or
    // nullptr if it does not fit.
    uint8_t* add(uint32_t type, const void* payload, size_t size);
    // The command-line tag; `copied` is the NUL-free copy inside the block.
    Status add_cmdline(StringView cmdline, StringView& copied);
    Status add_module(uint32_t start, uint32_t end, StringView cmdline, StringView& copied);
    // Copies every tag of `info` (already validated by mb2::parse) except
    // those that describe the pre-launch stage itself or that we rebuild:
    // command line, modules, ELF sections, image load base, the DRTM tag.
    Status copy_loader_tags(const uint8_t* info, size_t size);
    // Writes the end tag and the total size; returns the block's size, 0 if
    // it did not fit.
    size_t finish();

private:
    uint8_t* out_;
    size_t cap_;
    size_t len_;
    bool overflow_ = false;
};

}  // namespace keel::launch
