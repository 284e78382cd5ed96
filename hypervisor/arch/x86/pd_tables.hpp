// The kernel's PdHardware on x86: a new PD's host page table (sharing the
// kernel's half), its nested page table, its I/O permission bitmap, and
// its MSR space's table. Their memory is the PD's own (its quota).
#pragma once
#include "hypervisor/arch/x86/io_bitmap.hpp"
#include "hypervisor/arch/x86/paging_space.hpp"
#include "hypervisor/kernel/pd.hpp"

namespace keel::x86 {

// The virtualization backend's table behind a PD's MSR space (its format
// is the backend's: SVM's permission map); PDs made before a backend set
// one, or without a backend, get none, and no MSR may reach them.
struct MsrTables {
    ResourceSpace::Hardware* (*make)(KernelMemory& memory);
    void (*release)(ResourceSpace::Hardware* table, KernelMemory& memory);
};

// Table pages from a PD's kernel memory, reached through the identity map.
PageTableMemory pd_table_memory(KernelMemory& memory);

class PdTables final : public PdHardware {
public:
    PdTables(const uint64_t* kernel_root, PagingSpace::IsRam is_ram);
    // Before the root task is made.
    void set_msr_tables(const MsrTables* msrs) { msrs_ = msrs; }

    ResourceSpace::Hardware* table(abi::SpaceKind kind, KernelMemory& memory) override;
    void release(abi::SpaceKind kind, ResourceSpace::Hardware* table, KernelMemory& memory) override;

    // The page table and I/O bitmap a thread of `pd` runs with.
    static PagingSpace& host_table(Pd& pd);
    // The nested page table its vCPUs run in.
    static PagingSpace& guest_table(Pd& pd);
    static IoBitmap& io_bitmap(Pd& pd);

private:
    const uint64_t* const kernel_root_;
    const PagingSpace::IsRam is_ram_;
    const MsrTables* msrs_ = nullptr;
};

}  // namespace keel::x86
