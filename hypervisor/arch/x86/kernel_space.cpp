#include "kernel_space.hpp"

#include "cpu.hpp"
#include "gdt.hpp"

extern "C" char __image_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __data_end[],
    __stack_guard[], __stack_bottom[];

namespace keel::x86 {
namespace {

uint64_t addr(const char* p) { return reinterpret_cast<uint64_t>(p); }

Status allocate_zeroed(void* ctx, uint64_t& phys) {
    auto* frames = static_cast<FrameAllocator*>(ctx);
    if (Status s = frames->allocate(1, phys); s != Status::Ok) return s;
    auto* p = reinterpret_cast<volatile uint64_t*>(phys);
    for (unsigned i = 0; i < 512; ++i) p[i] = 0;
    return Status::Ok;
}
uint64_t* identity_access(void*, uint64_t phys) { return reinterpret_cast<uint64_t*>(phys); }

bool chunk_has_ram(const mb2::BootInfo& info, uint64_t lo, uint64_t hi) {
    for (size_t i = 0; i < info.region_count; ++i) {
        const auto& r = info.regions[i];
        if (r.type != uint32_t(mb2::MemoryType::Usable) && r.type != uint32_t(mb2::MemoryType::AcpiReclaimable))
            continue;
        if (r.base < hi && r.base + r.length > lo) return true;
    }
    return false;
}

uint64_t top_of_ram(const mb2::BootInfo& info) {
    uint64_t top = 0;
    for (size_t i = 0; i < info.region_count; ++i)
        if (info.regions[i].type == uint32_t(mb2::MemoryType::Usable) &&
            info.regions[i].base + info.regions[i].length > top)
            top = info.regions[i].base + info.regions[i].length;
    return top;
}

}  // namespace

PageTableMemory identity_table_memory(FrameAllocator& frames) { return {allocate_zeroed, identity_access, &frames}; }

Status build_kernel_space(const mb2::BootInfo& info, FrameAllocator& frames, KernelSpaceReport& report) {
    PageTable pt(identity_table_memory(frames));
    if (Status s = pt.init(); s != Status::Ok) return s;

    constexpr uint64_t RW = pte::WRITE | pte::NX;
    constexpr uint64_t UNCACHED = pte::PCD | pte::PWT;
    // The image in 4 KiB pages up to the next 2 MiB boundary; large pages above.
    const uint64_t small_end = (addr(__data_end) + SIZE_2M - 1) & ~(SIZE_2M - 1);
    struct Piece {
        uint64_t lo, hi, flags;
    };
    const Piece pieces[] = {
        {SIZE_4K, addr(__image_start), RW},  // low memory; page 0 stays unmapped
        {addr(__image_start), addr(__text_end), 0},  // multiboot header, entry, text: RX
        {addr(__rodata_start), addr(__rodata_end), pte::NX},  // read-only data
        {addr(__data_start), addr(__stack_guard), RW},
        {addr(__stack_bottom), addr(__data_end), RW},  // stack; the guard page below is a hole
        {addr(__data_end), small_end, RW},
    };
    for (const Piece& p : pieces)
        if (p.hi > p.lo)
            if (Status s = pt.map(p.lo, p.lo, p.hi - p.lo, p.flags, SIZE_4K); s != Status::Ok) return s;

    uint64_t top = top_of_ram(info);
    if (top < (4ull << 30)) top = 4ull << 30;  // device memory (APIC, TPM, PCI) sits below 4 GiB
    top = (top + SIZE_2M - 1) & ~(SIZE_2M - 1);
    for (uint64_t lo = small_end; lo < top; lo += SIZE_2M) {
        uint64_t flags = RW | (chunk_has_ram(info, lo, lo + SIZE_2M) ? 0 : UNCACHED);
        if (Status s = pt.map(lo, lo, SIZE_2M, flags, SIZE_2M); s != Status::Ok) return s;
    }

    if (Status s = gdt::map_window(pt); s != Status::Ok) return s;
    write_cr3(pt.root());

    report = {};
    pt.for_each_leaf([&](uint64_t, uint64_t, uint64_t size, uint64_t flags) {
        report.mapped_bytes += size;
        ++report.leaf_count;
        if ((flags & pte::WRITE) && !(flags & pte::NX)) ++report.writable_executable;
    });
    return Status::Ok;
}

}  // namespace keel::x86
