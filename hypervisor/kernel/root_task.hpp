// The root task: the first user-level program, loaded from the boot module
// whose command line starts with "root" (measured by the secure loader like
// every module). The kernel gives it its initial capabilities and nothing
// else: its own PD and EC, all RAM the kernel does not keep (at
// abi::ROOT_PHYS_BASE + the physical address), the boot modules, TPM
// locality 0 and every I/O port but the kernel's (root_grant.hpp), and a
// read-only hypervisor information page that says where all that is.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/frame_allocator.hpp"
#include "hypervisor/kernel/multiboot2.hpp"
#include "hypervisor/kernel/root_grant.hpp"
#include "hypervisor/kernel/scheduler.hpp"

namespace keel {

// A memory BAR of a PCI function (the platform's enumeration).
struct DeviceMemory {
    uint16_t device;  // requester ID
    uint8_t bar;
    uint32_t id, class_revision;  // vendor | device << 16; class << 8 | revision
    uint64_t base, size;
};

struct RootTaskSetup {
    const mb2::BootInfo& info;
    // All free RAM on entry; on return only the kernel's pool: the rest went
    // to the root task.
    FrameAllocator& frames;
    // The kernel's pool (all free frames on entry): the root PD is made
    // from it, and its quota is what is left of the pool once its RAM is
    // split off.
    KernelMemory& memory;
    Scheduler& scheduler;  // the boot CPU's: the root task's thread runs there
    PdHardware& tables;
    const GrantRange* kept;  // what the kernel keeps besides the pool (root_memory's `kept`)
    size_t kept_count;
    uint16_t debug_exit_port;
    uint32_t hip_features;
    uint64_t tsc_khz;
    uint16_t cpu_count;  // online, for the information page
    // The MSRs a guest may reach without an exit (the virtualization
    // backend's; none without one): into the root task's MSR space.
    const GrantRange* msrs = nullptr;
    size_t msr_count = 0;
    // Device memory (only where an IOMMU confines DMA): each range that
    // root_grant allows goes into its host space, uncached.
    const DeviceMemory* devices = nullptr;
    size_t device_count = 0;
};

struct RootTaskReport {
    uint64_t entry = 0;
    size_t segments = 0;
    uint64_t ram_pages = 0, ram_ranges = 0;  // granted
    uint64_t pool_pages = 0;  // kept by the kernel for its objects and tables
    size_t modules = 0, port_ranges = 0, msr_ranges = 0;
    size_t device_ranges = 0, device_ranges_refused = 0;
    size_t modules_copied = 0;  // moved out of pages the kernel keeps before they were given
    bool hip_truncated = false;
    bool event_log_given = false;  // the DRTM log, read-only
    bool event_log_refused = false;  // not in RAM on whole pages of its own: not given
    const char* failure = nullptr;  // what went wrong, with the status
};

const mb2::Module* find_root_module(const mb2::BootInfo& info);

// Builds the root PD and its first EC with an SC, ready to run. On failure the root
// task never runs (and the kernel does not try again).
abi::Status create_root_task(RootTaskSetup& setup, const mb2::Module& module, Ec*& ec, RootTaskReport& report);

}  // namespace keel
