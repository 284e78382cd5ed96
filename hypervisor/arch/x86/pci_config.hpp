// PCI configuration space through the legacy 0xCF8/0xCFC mechanism, which
// every x86 chipset keeps (the secure loader has no ACPI to find ECAM with).
// Offsets 0x100 and up use AMD's IO-ECS bits 27:24 (enabled by firmware).
#pragma once
#include <stdint.h>

namespace keel::x86::pci {

struct Address {
    uint8_t bus, device, function;
};

inline uint32_t config_address(Address a, uint32_t offset) {
    return 0x80000000u | uint32_t(a.bus) << 16 | uint32_t(a.device & 31) << 11 | uint32_t(a.function & 7) << 8 |
           (offset & 0xfc) | ((offset & 0xf00) << 16);
}

inline uint32_t read32(Address a, uint32_t offset) {
    asm volatile("outl %0, %1" ::"a"(config_address(a, offset)), "Nd"(uint16_t(0xcf8)));
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(uint16_t(0xcfc)));
    return v;
}

inline void write32(Address a, uint32_t offset, uint32_t v) {
    asm volatile("outl %0, %1" ::"a"(config_address(a, offset)), "Nd"(uint16_t(0xcf8)));
    asm volatile("outl %0, %1" ::"a"(v), "Nd"(uint16_t(0xcfc)));
}

constexpr uint32_t NO_DEVICE = 0xffff;  // vendor ID read from an empty slot
constexpr uint32_t COMMAND = 0x04, CLASS = 0x08, HEADER_TYPE = 0x0c, BAR0 = 0x10, CAPABILITIES = 0x34;
constexpr uint32_t STATUS_CAPABILITY_LIST = 1u << 20;  // in the COMMAND/STATUS dword
constexpr uint32_t COMMAND_MEMORY = 1u << 1, COMMAND_BUS_MASTER = 1u << 2;

// Calls `visit(address, vendor_device, class_revision)` for every function
// on every bus; stops early when it returns false.
template <typename Visit> void for_each_function(Visit visit) {
    for (unsigned bus = 0; bus < 256; ++bus)
        for (unsigned dev = 0; dev < 32; ++dev)
            for (unsigned fn = 0; fn < 8; ++fn) {
                Address a{uint8_t(bus), uint8_t(dev), uint8_t(fn)};
                uint32_t id = read32(a, 0);
                if ((id & 0xffff) == NO_DEVICE) {
                    if (fn == 0) break;  // no device in this slot
                    continue;
                }
                if (!visit(a, id, read32(a, CLASS))) return;
                if (fn == 0 && !(read32(a, HEADER_TYPE) & (1u << 23))) break;  // single-function device
            }
}

// The offset of the first capability with `id` (and, if `type` >= 0, that
// type in bits 18:16), or 0. Bounded: a looping list ends the search.
inline uint32_t find_capability(Address a, uint8_t id, int type = -1) {
    if (!(read32(a, COMMAND) & STATUS_CAPABILITY_LIST)) return 0;
    uint32_t cap = read32(a, CAPABILITIES) & 0xfc;
    for (unsigned hops = 0; cap && hops < 48; ++hops) {
        uint32_t header = read32(a, cap);
        if ((header & 0xff) == id && (type < 0 || int((header >> 16) & 7) == type)) return cap;
        cap = (header >> 8) & 0xfc;
    }
    return 0;
}

}  // namespace keel::x86::pci
