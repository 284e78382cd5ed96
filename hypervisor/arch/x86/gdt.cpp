#include "gdt.hpp"

#include <stddef.h>

#include "cpu.hpp"
#include "page_table.hpp"

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
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint64_t PAGE = 4096;
constexpr uint64_t IST_STACK_SIZE = 4096;
alignas(16) constinit uint8_t ist_stacks[3][IST_STACK_SIZE] = {};
// The TSS sits at the end of its page, so that in the window the bitmap
// starts on the next page.
alignas(PAGE) constinit uint8_t tss_page[PAGE] = {};
Tss& tss = *reinterpret_cast<Tss*>(tss_page + PAGE - sizeof(Tss));
// No port at all: the bitmap the kernel's own address space shows, and the
// byte after the bitmap (the CPU reads one past a port's bit).
alignas(PAGE) constinit uint8_t no_ports[2][PAGE] = {};
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
constinit uint64_t* window_pte[2] = {};  // the entries mapping the bitmap's two pages
constinit const uint8_t* loaded_low = nullptr;

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

void load_tss(uint64_t base) {
    uint64_t limit = sizeof(Tss) + IO_BITMAP_BYTES;  // up to and including the byte after the bitmap
    table[TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
                     (((base >> 24) & 0xff) << 56);
    table[TSS / 8 + 1] = base >> 32;
    asm volatile("ltr %0" ::"r"(TSS));
}

}  // namespace

void init() {
    for (unsigned i = 0; i < 3; ++i) tss.ist[i] = addr(&ist_stacks[i][IST_STACK_SIZE]);
    tss.iomap_base = sizeof(Tss);
    for (auto& page : no_ports)
        for (auto& b : page) b = 0xff;
    DescriptorPointer ptr{sizeof(table) - 1, addr(table)};
    asm volatile("lgdt %0" ::"m"(ptr));
    reload_segments(KERNEL_CODE, KERNEL_DATA);
    // Until the window exists the TSS is used where it is (no port is
    // reachable: the bitmap lies beyond what is mapped for ring 3 anyway).
    load_tss(addr(&tss));
}

Status map_window(PageTable& kernel) {
    constexpr uint64_t RW = pte::WRITE | pte::NX;
    const uint64_t frames[4] = {addr(tss_page), addr(no_ports[0]), addr(no_ports[0]), addr(no_ports[1])};
    for (unsigned i = 0; i < 4; ++i)
        if (Status s = kernel.map(TSS_WINDOW + i * PAGE, frames[i], PAGE, RW, SIZE_4K); s != Status::Ok) return s;
    window_pte[0] = kernel.leaf_entry(TSS_WINDOW + PAGE);
    window_pte[1] = kernel.leaf_entry(TSS_WINDOW + 2 * PAGE);
    // The busy TSS cannot be loaded again: mark it available first.
    table[TSS / 8] &= ~(2ull << 40);
    load_tss(TSS_WINDOW + PAGE - sizeof(Tss));
    return Status::Ok;
}

void set_kernel_stack(uint64_t top) { tss.rsp[0] = top; }

// Two entries and two INVLPGs per change of PD, instead of copying 8 KiB.
void load_io_bitmap(const uint8_t* low, const uint8_t* high) {
    if (!window_pte[0] || low == loaded_low) return;
    *window_pte[0] = (low ? addr(low) : addr(no_ports[0])) | pte::PRESENT | pte::WRITE | pte::NX;
    *window_pte[1] = (high ? addr(high) : addr(no_ports[0])) | pte::PRESENT | pte::WRITE | pte::NX;
    asm volatile("invlpg (%0)" ::"r"(TSS_WINDOW + PAGE) : "memory");
    asm volatile("invlpg (%0)" ::"r"(TSS_WINDOW + 2 * PAGE) : "memory");
    loaded_low = low;
}

void unload_io_bitmap(const uint8_t* low) {
    if (low == loaded_low) load_io_bitmap(nullptr, nullptr);
}

}  // namespace keel::x86::gdt
