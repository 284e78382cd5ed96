#include "gdt.hpp"

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

constexpr uint64_t IST_STACK_SIZE = 4096;
alignas(16) constinit uint8_t ist_stacks[3][IST_STACK_SIZE] = {};
constinit Tss tss = {};
alignas(8) constinit uint64_t table[5] = {
    0,
    0x00af9a000000ffff,  // kernel code, 64-bit
    0x00cf92000000ffff,  // kernel data
    0,
    0,  // TSS (16 bytes), filled in at init
};

}  // namespace

void init() {
    for (unsigned i = 0; i < 3; ++i) tss.ist[i] = reinterpret_cast<uint64_t>(&ist_stacks[i][IST_STACK_SIZE]);
    tss.iomap_base = sizeof(Tss);  // no I/O bitmap: ring 3 gets no ports

    uint64_t base = reinterpret_cast<uint64_t>(&tss);
    uint64_t limit = sizeof(Tss) - 1;
    table[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
               (((base >> 24) & 0xff) << 56);
    table[4] = base >> 32;

    DescriptorPointer ptr{sizeof(table) - 1, reinterpret_cast<uint64_t>(table)};
    asm volatile("lgdt %0" ::"m"(ptr));
    reload_segments(KERNEL_CODE, KERNEL_DATA);
    asm volatile("ltr %0" ::"r"(TSS));
}

}  // namespace keel::x86::gdt
