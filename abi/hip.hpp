// The hypervisor information page: what the kernel tells the root task at
// start-up (mapped read-only in the root PD; the root task's first EC finds
// its address in RDI). Everything the root task may hand out is in its
// spaces already; this page says where.
#pragma once
#include <stdint.h>

namespace keel::abi {

inline constexpr uint32_t HIP_SIGNATURE = 0x4c45454b;  // "KEEL"
inline constexpr uint16_t ABI_VERSION = 1;

enum class HipFeature : uint32_t {
    Svm = 1 << 0,
    NestedPaging = 1 << 1,
    NextRip = 1 << 2,  // the hardware reports the exiting instruction's length
    Iommu = 1 << 3,  // device DMA goes through guest memory spaces (assign_dev)
    DrtmLaunch = 1 << 4,  // started by Keel's secure loader after a dynamic launch
};

// A range the root task received, a boot module, a module's command line
// (address: its offset in Hip::module_cmdlines, size: its length), MSRs
// (address: the first, size: how many) in its MSR space, which a guest of
// a PD holding them reads and writes without an exit, a PCI function
// (address: vendor | device << 16 | class_revision << 32, size 0, aux: its
// requester ID) with a device memory range the root task received
// (address, size; aux: requester ID | BAR index << 16), listed after it.
// Device memory is given only where an IOMMU confines device DMA
// (HipFeature::Iommu): elsewhere a device could be made to write anywhere.
// After a dynamic launch, the DRTM event log (address, size: the bytes in
// use), mapped read-only, for a guest's kernel to publish.
// TPM locality 0's registers (one page), which the root task always holds
// at ROOT_PHYS_BASE + TPM_LOCALITY0; localities 1-4 follow, the kernel's.
inline constexpr uint64_t TPM_LOCALITY0 = 0xfed40000;

struct HipMemory {
    uint64_t address;  // in the root task's host space
    uint64_t size;
    uint32_t kind;  // HipMemoryKind
    uint32_t aux;  // a module's index, or a PCI function's requester ID (above)
};
enum class HipMemoryKind : uint32_t {
    Ram = 1,
    Module = 2,
    ModuleCommandLine = 3,
    Msr = 4,
    PciFunction = 5,
    DeviceMemory = 6,
    DrtmEventLog = 7,
};

struct Hip {
    uint32_t signature;
    uint16_t abi_version;
    uint16_t size;  // of the whole page in use
    uint32_t features;  // HipFeature bits
    uint16_t cpu_count;
    uint16_t hypercall_count;
    uint64_t selector_count;  // capacity of every object space
    uint32_t vcpu_events;  // VCPU_EVENT_COUNT
    uint32_t thread_events;  // THREAD_EVENT_COUNT
    uint64_t tsc_khz;  // TSC frequency, for deadlines and budgets
    uint32_t memory_count;
    uint32_t reserved;
    char root_cmdline[256];  // the root task's own module command line, NUL-terminated (cut to fit)
    HipMemory memory[112];  // memory_count used
    // The modules' command lines (NUL-terminated, cut to fit), which the
    // root task reads to tell a VMM from a guest image or its configuration.
    char module_cmdlines[1024];
};
static_assert(sizeof(Hip) <= 4096, "the HIP is one page");

}  // namespace keel::abi
