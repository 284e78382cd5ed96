// The memory BARs of the PCI functions, as their firmware placed them: what
// the root task may receive as device memory (root_grant decides), so that
// it and the VMMs can drive devices whose DMA the IOMMU confines.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/arch/x86/pci_config.hpp"

namespace keel::x86::pci {

struct MemoryBar {
    Address function;
    uint32_t id;  // vendor | device << 16
    uint32_t class_revision;
    uint8_t index;  // BAR 0-5 (a 64-bit BAR is named by its low half)
    uint64_t base, size;
};

// The memory BARs of every ordinary (type 0) function on every bus but
// `skip`'s (the IOMMUs), sized by writing all ones with decoding off and
// restoring them; at most `cap` into `out`, returns how many were found
// (possibly more than `cap`).
template <typename Skip> size_t memory_bars(MemoryBar* out, size_t cap, Skip skip);

size_t size_bars(Address a, uint32_t id, uint32_t class_revision, MemoryBar* out, size_t cap);

template <typename Skip> size_t memory_bars(MemoryBar* out, size_t cap, Skip skip) {
    size_t n = 0;
    for_each_function([&](Address a, uint32_t id, uint32_t class_revision) {
        if ((read32(a, HEADER_TYPE) >> 16 & 0x7f) != 0 || skip(a)) return true;
        n += size_bars(a, id, class_revision, n < cap ? out + n : nullptr, n < cap ? cap - n : 0);
        return true;
    });
    return n;
}

}  // namespace keel::x86::pci
