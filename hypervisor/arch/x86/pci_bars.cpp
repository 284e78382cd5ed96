#include "hypervisor/arch/x86/pci_bars.hpp"

namespace keel::x86::pci {
namespace {
constexpr uint32_t BAR_IO = 1u << 0, BAR_64 = 2u << 1, BAR_TYPE = 3u << 1;
constexpr uint32_t COMMAND_IO = 1u << 0;
}  // namespace

size_t size_bars(Address a, uint32_t id, uint32_t class_revision, MemoryBar* out, size_t cap) {
    uint32_t command = read32(a, COMMAND) & 0xffff;
    // The all-ones probe must not move a live window over something else.
    write32(a, COMMAND, command & ~(COMMAND_IO | COMMAND_MEMORY));
    size_t n = 0;
    for (uint8_t i = 0; i < 6; ++i) {
        uint32_t offset = BAR0 + 4 * i, low = read32(a, offset);
        if (low & BAR_IO) continue;
        bool wide = (low & BAR_TYPE) == BAR_64 && i < 5;
        uint32_t high = wide ? read32(a, offset + 4) : 0;
        write32(a, offset, ~0u);
        uint64_t mask = read32(a, offset) & ~0xfu;
        if (wide) {
            write32(a, offset + 4, ~0u);
            mask |= uint64_t(read32(a, offset + 4)) << 32;
            write32(a, offset + 4, high);
        } else {
            mask |= 0xffffffff00000000ull;
        }
        write32(a, offset, low);
        uint64_t base = (low & ~0xfu) | uint64_t(high) << 32;
        if ((mask & 0xfffffff0u) != 0 && base) {
            if (n < cap) out[n] = {a, id, class_revision, i, base, ~mask + 1};
            ++n;
        }
        if (wide) ++i;
    }
    write32(a, COMMAND, command);
    return n;
}

}  // namespace keel::x86::pci
