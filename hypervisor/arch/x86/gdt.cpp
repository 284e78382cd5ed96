#include "gdt.hpp"

#include <stddef.h>

extern "C" void reload_segments(uint16_t code, uint16_t data);  // segments.S

namespace keel::x86::gdt {
namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
    // The CPU reads the bitmap up to one byte past the last port's bit; that
    // byte must have every bit set.
    uint8_t io_bitmap[IO_BITMAP_BYTES + 1];
};
static_assert(offsetof(Tss, io_bitmap) == 104);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint64_t IST_STACK_SIZE = 4096;
alignas(16) constinit uint8_t ist_stacks[3][IST_STACK_SIZE] = {};
constinit Tss tss = {};
alignas(8) constinit uint64_t table[8] = {
    0,
    0x00af9a000000ffff,  // kernel code, 64-bit
    0x00cf92000000ffff,  // kernel data
    0x00cffa000000ffff,  // user code, 32-bit (present for SYSRET's layout; no user runs in it)
    0x00cff2000000ffff,  // user data
    0x00affa000000ffff,  // user code, 64-bit
    0,
    0,  // TSS (16 bytes), filled in at init
};
constinit const uint8_t* loaded_bitmap = nullptr;
constinit bool bitmap_loaded = false;

}  // namespace

void init() {
    for (unsigned i = 0; i < 3; ++i) tss.ist[i] = reinterpret_cast<uint64_t>(&ist_stacks[i][IST_STACK_SIZE]);
    tss.iomap_base = offsetof(Tss, io_bitmap);
    load_io_bitmap(nullptr, nullptr);
    tss.io_bitmap[IO_BITMAP_BYTES] = 0xff;

    uint64_t base = reinterpret_cast<uint64_t>(&tss);
    uint64_t limit = sizeof(Tss) - 1;
    table[TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
                     (((base >> 24) & 0xff) << 56);
    table[TSS / 8 + 1] = base >> 32;

    DescriptorPointer ptr{sizeof(table) - 1, reinterpret_cast<uint64_t>(table)};
    asm volatile("lgdt %0" ::"m"(ptr));
    reload_segments(KERNEL_CODE, KERNEL_DATA);
    asm volatile("ltr %0" ::"r"(TSS));
}

void set_kernel_stack(uint64_t top) { tss.rsp[0] = top; }

// Copied, not pointed to: the bitmap sits at a fixed offset in the TSS. Only
// when the PD changes, so a hypercall costs nothing here.
void load_io_bitmap(const uint8_t* low, const uint8_t* high) {
    if (bitmap_loaded && low == loaded_bitmap) return;
    constexpr unsigned HALF = IO_BITMAP_BYTES / 2;
    for (unsigned i = 0; i < HALF; ++i) {
        tss.io_bitmap[i] = low ? low[i] : 0xff;
        tss.io_bitmap[HALF + i] = high ? high[i] : 0xff;
    }
    loaded_bitmap = low;
    bitmap_loaded = true;
}

void refresh_io_bitmap(const uint8_t* low, const uint8_t* high) {
    if (bitmap_loaded && low == loaded_bitmap) {
        bitmap_loaded = false;
        load_io_bitmap(low, high);
    }
}

void unload_io_bitmap(const uint8_t* low) {
    if (bitmap_loaded && low == loaded_bitmap) load_io_bitmap(nullptr, nullptr);
}

}  // namespace keel::x86::gdt
