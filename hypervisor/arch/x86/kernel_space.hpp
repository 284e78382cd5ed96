// The kernel's own address space: physical memory identity mapped, with the
// kernel image split by permission (text RX, rodata R, data RW, never W+X),
// page 0 and the stack guard page left unmapped, and device memory uncached.
#pragma once
#include "../../kernel/frame_allocator.hpp"
#include "../../kernel/multiboot2.hpp"
#include "page_table.hpp"

namespace keel::x86 {

struct KernelSpaceReport {
    uint64_t mapped_bytes;
    uint64_t leaf_count;
    uint64_t writable_executable;  // must be zero
};

// Builds the tables from frames of `frames`, switches CR3 to them and
// reports what the new tables contain.
[[nodiscard]] Status build_kernel_space(const mb2::BootInfo& info, FrameAllocator& frames, KernelSpaceReport& report);

// Access to page-table frames through the identity map.
PageTableMemory identity_table_memory(FrameAllocator& frames);

}  // namespace keel::x86
