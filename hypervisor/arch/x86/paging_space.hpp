// The page table behind a memory space: a PD's host page table (its user
// half; the kernel's half is shared) or a nested page table (guest-physical
// to host-physical, SVM's format is the host's). ResourceSpace decides what
// may be mapped; this only writes entries and keeps the TLBs honest.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/page_table.hpp"
#include "hypervisor/kernel/resource_space.hpp"

namespace keel::x86 {

class PagingSpace final : public ResourceSpace::Hardware {
public:
    enum class Kind { Host, Nested };
    // Memory that is not RAM is mapped uncached.
    using IsRam = bool (*)(uint64_t phys);

    PagingSpace(PageTableMemory memory, Kind kind, IsRam is_ram) : table_(memory), kind_(kind), is_ram_(is_ram) {}
    ~PagingSpace();  // frees its tables

    // A host table shares the kernel's root slots (its identity map and
    // the TSS window) with `kernel_root`, the kernel's top-level table.
    [[nodiscard]] bool init(const uint64_t* kernel_root);

    bool map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) override;
    void protect(uint64_t page, uint64_t count, uint8_t perms) override;
    void unmap(uint64_t page, uint64_t count) override;
    bool mapped(uint64_t page) const override;

    uint64_t root() const { return table_.root(); }
    // Moves on every unmap and protect: a vCPU that ran on this nested table
    // flushes its ASID before it runs again when this changed.
    uint64_t generation() const { return generation_; }
    const PageTable& table() const { return table_; }

private:
    uint64_t flags(uint64_t frame, uint8_t perms) const;
    void flush(uint64_t page, uint64_t count);

    PageTable table_;
    const Kind kind_;
    const IsRam is_ram_;
    uint64_t generation_ = 0;
};

}  // namespace keel::x86
