// A PD's DMA space on AMD IOMMUs: an I/O page table (v1 format) with the
// guest memory space's pages and rights, tagged with a domain ID of its
// own. Made from the PD's kernel memory at its first assign_dev, filled
// from the nested table, kept equal to it by PagingSpace from then on.
#pragma once
#include "hypervisor/arch/x86/amd_iommu/iommu.hpp"
#include "hypervisor/arch/x86/paging_space.hpp"

namespace keel::x86::amd_iommu {

class DmaSpace final : public DmaMirror {
public:
    // Attached to `guest` (a nested space) with everything it maps, or
    // nullptr: OutOfMemory (the PD's quota, or no domain ID left).
    static DmaSpace* attach(Iommu& iommu, PagingSpace& guest, KernelMemory& memory, Status& status);

    bool map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) override;
    void protect(uint64_t page, uint64_t count, uint8_t perms) override;
    void unmap(uint64_t page, uint64_t count) override;
    void flush() override;
    void destroy(KernelMemory& memory) override;

    uint16_t domain() const { return domain_; }
    uint64_t root() const { return table_.root(); }

private:
    DmaSpace(Iommu& iommu, KernelMemory& memory, uint16_t domain);
    ~DmaSpace() = default;
    static uint64_t flags(uint8_t perms);
    // Into the table only: callers flush.
    bool insert(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms);

    Iommu& iommu_;
    PageTable table_;
    const uint16_t domain_;
};

}  // namespace keel::x86::amd_iommu
