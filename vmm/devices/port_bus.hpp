// The guest's I/O port space: a fixed table of port ranges, each with a
// handler, so a VMM's IOIO exit is one call. Ports nobody claims behave as an
// empty ISA bus does: reads float to all ones, writes vanish.
//
// Widths: a range added as byte-wide (the legacy devices, all 8-bit) sees a
// 2- or 4-byte access as byte accesses at consecutive ports, low byte first,
// as the PC's bus splits them; so does any access that runs past the end of
// its range. A range added as wide (PCI's data window) sees the access whole.
// Results are size bytes wide; the VMM merges them into RAX itself.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm::dev {

class PortBus {
public:
    // Returns false when the handler does not answer this access after all
    // (e.g. a byte access to PCI's dword-only address register): then it is
    // treated as unclaimed.
    using Handler = bool (*)(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    static constexpr size_t MAX_RANGES = 24;

    // False when the table is full, the range is empty or reversed, or it
    // overlaps one already added: each port has at most one owner.
    bool add(uint16_t first, uint16_t last, Handler handler, void* ctx, bool byte_wide = true);

    // size is 1, 2 or 4; anything else reads as all ones and writes nothing.
    uint32_t read(uint16_t port, unsigned size);
    void write(uint16_t port, unsigned size, uint32_t value);

private:
    struct Range {
        uint16_t first, last;
        Handler handler;
        void* ctx;
        bool byte_wide;
    };
    const Range* find(uint32_t port) const;
    uint32_t access_byte(uint32_t port, bool write, uint32_t value);

    Range ranges_[MAX_RANGES] = {};
    size_t count_ = 0;
};

}  // namespace keel::vmm::dev
