#include "hypervisor/arch/x86/amd_iommu/dma_space.hpp"

#include <new>

#include "abi/capability.hpp"
#include "hypervisor/arch/x86/pd_tables.hpp"

namespace keel::x86::amd_iommu {
namespace {
constexpr uint64_t PAGE = 4096;
}  // namespace

DmaSpace::DmaSpace(Iommu& iommu, KernelMemory& memory, uint16_t domain)
    : iommu_(iommu), table_(pd_table_memory(memory), AMD_IOMMU_FORMAT), domain_(domain) {}

// Snooped (force coherent): the kernel maps guest RAM write-back.
uint64_t DmaSpace::flags(uint8_t perms) {
    return iopte::FORCE_COHERENT | iopte::READ | (perms & abi::perm::MEM_W ? iopte::WRITE : 0);
}

DmaSpace* DmaSpace::attach(Iommu& iommu, PagingSpace& guest, KernelMemory& memory, Status& status) {
    status = Status::OutOfMemory;
    void* p = memory.allocate<DmaSpace>();
    if (!p) return nullptr;
    uint16_t domain = iommu.domains.allocate();
    if (!domain) {
        memory.free(p);
        return nullptr;
    }
    auto* dma = new (p) DmaSpace(iommu, memory, domain);
    // No device uses the new domain yet: nothing to flush while it fills.
    bool filled = dma->table_.init() == Status::Ok;
    guest.table().for_each_leaf([&](uint64_t va, uint64_t pa, uint64_t size, uint64_t f) {
        uint8_t perms = abi::perm::MEM_R | (f & pte::WRITE ? abi::perm::MEM_W : 0);
        filled = filled && dma->insert(va / PAGE, pa / PAGE, size / PAGE, perms);
    });
    if (!filled) {
        dma->destroy(memory);
        return nullptr;
    }
    guest.set_dma(dma);
    status = Status::Ok;
    return dma;
}

bool DmaSpace::insert(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) {
    if (!(perms & abi::perm::MEM_R)) return true;  // as in the nested table: absent
    for (uint64_t i = 0; i < count; ++i)
        if (table_.map((page + i) * PAGE, (frame + i) * PAGE, PAGE, flags(perms), SIZE_4K) != Status::Ok) {
            table_.unmap(page * PAGE, i * PAGE);
            return false;
        }
    return true;
}

bool DmaSpace::map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) {
    if (!insert(page, frame, count, perms)) return false;
    if (iommu_.caches_absent()) flush();  // it may remember these pages as absent
    return true;
}

void DmaSpace::protect(uint64_t page, uint64_t count, uint8_t perms) {
    table_.protect(page * PAGE, count * PAGE, flags(perms));
}

void DmaSpace::unmap(uint64_t page, uint64_t count) { table_.unmap(page * PAGE, count * PAGE); }

void DmaSpace::flush() { iommu_.flush_domain(domain_); }

void DmaSpace::destroy(KernelMemory& memory) {
    iommu_.block_domain(domain_);
    table_.release(0, 511, true);
    iommu_.domains.free(domain_);
    this->~DmaSpace();
    memory.free(this);
}

}  // namespace keel::x86::amd_iommu
