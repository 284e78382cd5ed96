// Four-level page-table builder. The same code builds the kernel's own
// address space, the nested (guest-physical) tables for SVM, whose format is
// the host's, and the AMD IOMMU's I/O page tables, which differ only in what
// a directory entry holds (PageTableFormat). It reaches table pages only
// through PageTableMemory, so host unit tests run it over an ordinary buffer.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::x86 {

namespace pte {
constexpr uint64_t PRESENT = 1ull << 0;
constexpr uint64_t WRITE = 1ull << 1;
constexpr uint64_t USER = 1ull << 2;
constexpr uint64_t PWT = 1ull << 3;
constexpr uint64_t PCD = 1ull << 4;
constexpr uint64_t HUGE = 1ull << 7;  // 2 MiB leaf at the directory level
constexpr uint64_t GLOBAL = 1ull << 8;
constexpr uint64_t NX = 1ull << 63;
constexpr uint64_t ADDR_MASK = 0x000ffffffffff000ull;
}  // namespace pte

constexpr uint64_t SIZE_4K = 0x1000;
constexpr uint64_t SIZE_2M = 0x200000;

// What a new directory entry in a table of level L (2-4) holds besides the
// next table's address. x86: present, writable, user for every level, so
// the leaf alone decides (nested paging's walks are all user walks). The
// AMD IOMMU's v1 format: present, NextLevel = L-1 in bits 11:9, and read
// and write (bits 61, 62): its rights are the AND of every level's.
struct PageTableFormat {
    uint64_t directory[5];
};
inline constexpr PageTableFormat X86_FORMAT{{0, 0, pte::PRESENT | pte::WRITE | pte::USER,
                                             pte::PRESENT | pte::WRITE | pte::USER,
                                             pte::PRESENT | pte::WRITE | pte::USER}};
namespace iopte {
constexpr uint64_t FORCE_COHERENT = 1ull << 60, READ = 1ull << 61, WRITE = 1ull << 62;
constexpr uint64_t next_level(unsigned level) { return uint64_t(level) << 9; }
}  // namespace iopte
inline constexpr PageTableFormat AMD_IOMMU_FORMAT{{0, 0,
                                                   pte::PRESENT | iopte::next_level(1) | iopte::READ | iopte::WRITE,
                                                   pte::PRESENT | iopte::next_level(2) | iopte::READ | iopte::WRITE,
                                                   pte::PRESENT | iopte::next_level(3) | iopte::READ | iopte::WRITE}};

struct PageTableMemory {
    // Provides one zero-filled 4 KiB frame for a table.
    Status (*allocate)(void* ctx, uint64_t& phys);
    // Gives a pointer through which the table at `phys` can be read and written.
    uint64_t* (*access)(void* ctx, uint64_t phys);
    void* ctx;
    // Takes a table frame back (release()); may be null for tables that
    // live as long as the kernel.
    void (*free)(void* ctx, uint64_t phys) = nullptr;
};

class PageTable {
public:
    explicit PageTable(PageTableMemory mem, const PageTableFormat& format = X86_FORMAT) : mem_(mem), format_(format) {}

    [[nodiscard]] Status init();
    uint64_t root() const { return root_; }

    // Maps [va, va + size) to [pa, pa + size) with leaf `flags` (PRESENT is
    // implied) in pages of `page_size` (SIZE_4K or SIZE_2M). An address that
    // is already mapped is refused with Status::Exists, never overwritten.
    // Directory entries above a leaf are the format's (PageTableFormat).
    [[nodiscard]] Status map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, uint64_t page_size);

    // Clears the 4 KiB leaves in [va, va + size); holes are skipped. The
    // caller flushes the TLBs.
    void unmap(uint64_t va, uint64_t size);
    // Replaces the flags of the present 4 KiB leaves in [va, va + size).
    void protect(uint64_t va, uint64_t size, uint64_t flags);
    // Frees every table reached from root slots [first, last] and, if
    // `root` too, the root itself. Leaves are not freed: they were never
    // the table's.
    void release(unsigned first, unsigned last, bool root);
    // The present 4 KiB leaf entry for va, or nullptr.
    uint64_t* leaf_entry(uint64_t va) const { return leaf(va); }
    // The raw entry of a root slot (to share the kernel's half).
    uint64_t root_entry(unsigned slot) const { return mem_.access(mem_.ctx, root_)[slot & 511]; }
    void set_root_entry(unsigned slot, uint64_t e) { mem_.access(mem_.ctx, root_)[slot & 511] = e; }

    // Finds the leaf for va: pa is the translated address, flags the leaf's.
    [[nodiscard]] Status lookup(uint64_t va, uint64_t& pa, uint64_t& flags) const;

    // Calls fn(va, pa, size, flags) for every leaf in address order.
    template <typename Fn> void for_each_leaf(Fn&& fn) const { walk(root_, 4, 0, fn); }

private:
    [[nodiscard]] Status next_table(uint64_t* table, unsigned index, unsigned level, uint64_t*& out);
    uint64_t* leaf(uint64_t va) const;  // the present 4 KiB leaf entry for va, or nullptr
    void release_table(uint64_t table_pa, unsigned level);

    template <typename Fn> void walk(uint64_t table_pa, unsigned level, uint64_t va_base, Fn& fn) const {
        const uint64_t* t = mem_.access(mem_.ctx, table_pa);
        unsigned shift = 12 + 9 * (level - 1);
        for (unsigned i = 0; i < 512; ++i) {
            uint64_t e = t[i];
            if (!(e & pte::PRESENT)) continue;
            uint64_t va = va_base | (uint64_t(i) << shift);
            if (level == 4 && (va & (1ull << 47))) va |= 0xffff000000000000ull;  // canonical
            if (level == 1 || (level <= 3 && (e & pte::HUGE)))
                fn(va, e & pte::ADDR_MASK, uint64_t(1) << shift, e & ~pte::ADDR_MASK);
            else
                walk(e & pte::ADDR_MASK, level - 1, va, fn);
        }
    }

    PageTableMemory mem_;
    const PageTableFormat& format_;
    uint64_t root_ = 0;
};

}  // namespace keel::x86
