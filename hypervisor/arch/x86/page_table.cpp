#include "page_table.hpp"

namespace keel::x86 {
namespace {
constexpr unsigned index_at(uint64_t va, unsigned level) { return (va >> (12 + 9 * (level - 1))) & 511; }
constexpr bool canonical(uint64_t va) {
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}
}  // namespace

Status PageTable::init() {
    if (root_) return Status::Exists;
    return mem_.allocate(mem_.ctx, root_);
}

Status PageTable::next_table(uint64_t* table, unsigned index, unsigned level, uint64_t*& out) {
    uint64_t e = table[index];
    if (e & pte::PRESENT) {
        if (e & pte::HUGE) return Status::Exists;  // a large leaf already covers it
        out = mem_.access(mem_.ctx, e & pte::ADDR_MASK);
        return Status::Ok;
    }
    uint64_t phys;
    if (Status s = mem_.allocate(mem_.ctx, phys); s != Status::Ok) return s;
    table[index] = phys | format_.directory[level];
    out = mem_.access(mem_.ctx, phys);
    return Status::Ok;
}

Status PageTable::map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, uint64_t page_size) {
    if (!root_) return Status::BadArgument;
    if (page_size != SIZE_4K && page_size != SIZE_2M) return Status::BadArgument;
    if ((va | pa | size) & (page_size - 1) || !size) return Status::BadArgument;
    if (va + size - 1 < va || !canonical(va) || !canonical(va + size - 1)) return Status::BadArgument;
    if (flags & pte::ADDR_MASK) return Status::BadArgument;

    uint64_t leaf_flags = flags | pte::PRESENT | (page_size == SIZE_2M ? pte::HUGE : 0);
    unsigned leaf_level = page_size == SIZE_2M ? 2 : 1;
    for (uint64_t off = 0; off < size; off += page_size) {
        uint64_t* table = mem_.access(mem_.ctx, root_);
        for (unsigned level = 4; level > leaf_level; --level)
            if (Status s = next_table(table, index_at(va + off, level), level, table); s != Status::Ok) return s;
        uint64_t& e = table[index_at(va + off, leaf_level)];
        if (e & pte::PRESENT) return Status::Exists;
        e = (pa + off) | leaf_flags;
    }
    return Status::Ok;
}

uint64_t* PageTable::leaf(uint64_t va) const {
    if (!root_ || !canonical(va)) return nullptr;
    uint64_t* table = mem_.access(mem_.ctx, root_);
    for (unsigned level = 4; level > 1; --level) {
        uint64_t e = table[index_at(va, level)];
        if (!(e & pte::PRESENT) || (e & pte::HUGE)) return nullptr;
        table = mem_.access(mem_.ctx, e & pte::ADDR_MASK);
    }
    uint64_t* e = &table[index_at(va, 1)];
    return (*e & pte::PRESENT) ? e : nullptr;
}

void PageTable::unmap(uint64_t va, uint64_t size) {
    for (uint64_t off = 0; off < size; off += SIZE_4K)
        if (uint64_t* e = leaf(va + off)) *e = 0;
}

void PageTable::protect(uint64_t va, uint64_t size, uint64_t flags) {
    for (uint64_t off = 0; off < size; off += SIZE_4K)
        if (uint64_t* e = leaf(va + off)) *e = (*e & pte::ADDR_MASK) | (flags & ~pte::ADDR_MASK) | pte::PRESENT;
}

void PageTable::release_table(uint64_t table_pa, unsigned level) {
    if (level > 1) {
        const uint64_t* t = mem_.access(mem_.ctx, table_pa);
        for (unsigned i = 0; i < 512; ++i)
            if ((t[i] & pte::PRESENT) && !(t[i] & pte::HUGE)) release_table(t[i] & pte::ADDR_MASK, level - 1);
    }
    mem_.free(mem_.ctx, table_pa);
}

void PageTable::release(unsigned first, unsigned last, bool root) {
    if (!root_ || !mem_.free) return;
    uint64_t* t = mem_.access(mem_.ctx, root_);
    for (unsigned i = first; i <= last && i < 512; ++i) {
        if (t[i] & pte::PRESENT) release_table(t[i] & pte::ADDR_MASK, 3);
        t[i] = 0;
    }
    if (root) {
        mem_.free(mem_.ctx, root_);
        root_ = 0;
    }
}

Status PageTable::lookup(uint64_t va, uint64_t& pa, uint64_t& flags) const {
    if (!root_ || !canonical(va)) return Status::BadArgument;
    const uint64_t* table = mem_.access(mem_.ctx, root_);
    for (unsigned level = 4; level >= 1; --level) {
        uint64_t e = table[index_at(va, level)];
        if (!(e & pte::PRESENT)) return Status::NotFound;
        if (level == 1 || (level == 2 && (e & pte::HUGE))) {
            uint64_t span = uint64_t(1) << (12 + 9 * (level - 1));
            pa = (e & pte::ADDR_MASK & ~(span - 1)) | (va & (span - 1));
            flags = e & ~pte::ADDR_MASK;
            return Status::Ok;
        }
        if (level == 3 && (e & pte::HUGE)) return Status::Unsupported;  // 1 GiB pages are never built
        table = mem_.access(mem_.ctx, e & pte::ADDR_MASK);
    }
    return Status::NotFound;
}

}  // namespace keel::x86
