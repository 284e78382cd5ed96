// The page table behind a memory space: a PD's host page table (its user
// half; the kernel's half is shared) or a nested page table (guest-physical
// to host-physical, SVM's format is the host's). ResourceSpace decides what
// may be mapped; this only writes entries and keeps the TLBs honest.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/page_table.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/resource_space.hpp"

namespace keel::x86 {

// The devices' view of a guest memory space (assign_dev): an IOMMU's I/O
// page table the nested table keeps equal to itself, so a device assigned
// to a PD reaches exactly what its guest reaches, and a revocation takes a
// page from both before it returns.
class DmaMirror {
public:
    // As ResourceSpace::Hardware's; false (nothing mapped) when out of memory.
    virtual bool map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) = 0;
    virtual void protect(uint64_t page, uint64_t count, uint8_t perms) = 0;
    virtual void unmap(uint64_t page, uint64_t count) = 0;
    // Returns when no IOMMU uses a translation that was changed or taken away.
    virtual void flush() = 0;
    // The PD goes: its devices are blocked, the table and the mirror freed.
    virtual void destroy(KernelMemory& memory) = 0;

protected:
    ~DmaMirror() = default;
};

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

    // A nested space's DMA mirror, once a device was assigned to its PD:
    // `mirror` must already hold what this table maps.
    DmaMirror* dma() const { return dma_; }
    void set_dma(DmaMirror* mirror) { dma_ = mirror; }

private:
    uint64_t flags(uint64_t frame, uint8_t perms) const;
    void flush(uint64_t page, uint64_t count);

    PageTable table_;
    const Kind kind_;
    const IsRam is_ram_;
    uint64_t generation_ = 0;
    DmaMirror* dma_ = nullptr;
};

}  // namespace keel::x86
