#include "gdt.hpp"

#include <stddef.h>

#include "cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/tlb.hpp"
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
constexpr uint64_t WINDOW_PAGES = 4;  // TSS, bitmap low, bitmap high, the byte after
// No port at all: the bitmap the kernel's own address space shows, and the
// byte after the bitmap (the CPU reads one past a port's bit).
alignas(PAGE) constinit uint8_t no_ports[2][PAGE] = {};
constexpr uint64_t TEMPLATE[8] = {
    0,
    0x00af9a000000ffff,  // kernel code, 64-bit
    0x00cf92000000ffff,  // kernel data
    0x00cffa000000ffff,  // user code, 32-bit (present for SYSRET's layout; no user runs in it)
    0x00cff2000000ffff,  // user data
    0x00affa000000ffff,  // user code, 64-bit
    0,
    0,  // TSS (16 bytes), filled in at init
};

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

// The TSS sits at the end of its page, so that in the window the bitmap
// starts on the next page.
Tss& tss_of(CpuLocal& c) { return *reinterpret_cast<Tss*>(c.tss_page + PAGE - sizeof(Tss)); }
uint64_t window_of(const CpuLocal& c) { return TSS_WINDOW + c.index * WINDOW_PAGES * PAGE; }

void load_tss(CpuLocal& c, uint64_t base) {
    uint64_t limit = sizeof(Tss) + IO_BITMAP_BYTES;  // up to and including the byte after the bitmap
    c.gdt[TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
                     (((base >> 24) & 0xff) << 56);
    c.gdt[TSS / 8 + 1] = base >> 32;
    asm volatile("ltr %0" ::"r"(TSS) : "memory");  // after the descriptor is written
}

void write_window(CpuLocal& c, const uint8_t* low, const uint8_t* high) {
    *c.window_pte[0] = (low ? addr(low) : addr(no_ports[0])) | pte::PRESENT | pte::WRITE | pte::NX;
    *c.window_pte[1] = (high ? addr(high) : addr(no_ports[0])) | pte::PRESENT | pte::WRITE | pte::NX;
    c.loaded_low = low;
}

}  // namespace

void init(CpuLocal& c) {
    Tss& tss = tss_of(c);
    for (unsigned i = 0; i < 3; ++i) tss.ist[i] = addr(&c.ist[i][IST_STACK_SIZE]);
    tss.iomap_base = sizeof(Tss);
    if (c.index == 0)
        for (auto& page : no_ports)
            for (auto& b : page) b = 0xff;
    for (unsigned i = 0; i < 8; ++i) c.gdt[i] = TEMPLATE[i];
    DescriptorPointer ptr{8 * 8 - 1, addr(c.gdt)};
    asm volatile("lgdt %0" ::"m"(ptr) : "memory");
    reload_segments(KERNEL_CODE, KERNEL_DATA);
    // Until the window exists the TSS is used where it is (no port is
    // reachable: the bitmap lies beyond what is mapped for ring 3 anyway).
    if (c.window_pte[0])
        load_tss(c, window_of(c) + PAGE - sizeof(Tss));
    else
        load_tss(c, addr(&tss));
}

Status map_window(PageTable& kernel) {
    constexpr uint64_t RW = pte::WRITE | pte::NX;
    for (unsigned i = 0; i < MAX_CPUS; ++i) {
        CpuLocal& c = cpu_local(i);
        c.index = i;
        const uint64_t frames[WINDOW_PAGES] = {addr(c.tss_page), addr(no_ports[0]), addr(no_ports[0]),
                                               addr(no_ports[1])};
        for (unsigned p = 0; p < WINDOW_PAGES; ++p)
            if (Status s = kernel.map(window_of(c) + p * PAGE, frames[p], PAGE, RW, SIZE_4K); s != Status::Ok) return s;
        c.window_pte[0] = kernel.leaf_entry(window_of(c) + PAGE);
        c.window_pte[1] = kernel.leaf_entry(window_of(c) + 2 * PAGE);
    }
    // The busy TSS cannot be loaded again: mark it available first.
    CpuLocal& boot = cpu_local(0);
    boot.gdt[TSS / 8] &= ~(2ull << 40);
    load_tss(boot, window_of(boot) + PAGE - sizeof(Tss));
    return Status::Ok;
}

void set_kernel_stack(uint64_t top) { tss_of(here()).rsp[0] = top; }

// Two entries and two INVLPGs per change of PD, instead of copying 8 KiB.
void load_io_bitmap(CpuLocal& c, const uint8_t* low, const uint8_t* high) {
    if (!c.window_pte[0] || low == c.loaded_low) return;
    write_window(c, low, high);
    asm volatile("invlpg (%0)" ::"r"(window_of(c) + PAGE) : "memory");
    asm volatile("invlpg (%0)" ::"r"(window_of(c) + 2 * PAGE) : "memory");
}

// Every CPU whose window shows the bitmap shows none instead; the others
// drop the old entries before they next run ring 3 (a shootdown).
void unload_io_bitmap(const uint8_t* low) {
    bool remote = false;
    CpuLocal& self = here();
    for (unsigned i = 0; i < MAX_CPUS; ++i) {
        CpuLocal& c = cpu_local(i);
        if (!c.window_pte[0] || c.loaded_low != low || !low) continue;
        if (&c == &self)
            load_io_bitmap(c, nullptr, nullptr);
        else
            write_window(c, nullptr, nullptr), remote = true;
    }
    if (remote) tlb::shootdown();
}

}  // namespace keel::x86::gdt
