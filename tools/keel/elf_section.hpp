// Finds a named section in an ELF64 file: `keel measure` reads the SLB from
// the pre-launch stage's .slb_image section, so the prediction covers the
// very bytes GRUB loads.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace keel::cli {

// The section's bytes inside `file`; throws InputError if absent or malformed.
std::span<const std::uint8_t> elf_section(std::span<const std::uint8_t> file, std::string_view name);

}  // namespace keel::cli
