// What the root task hands a VMM it starts: the layout of the VMM's PD
// (where its start information, guest RAM and UTCB are) and the selectors
// it finds filled. A user-level protocol between the two programs, not
// the kernel's ABI.
#pragma once
#include <stdint.h>

#include "abi/capability.hpp"
#include "abi/layout.hpp"

namespace keel::vmm {

inline constexpr uint32_t START_MAGIC = 0x4d4d564b;  // "KVMM"
inline constexpr uint64_t START_PAGE = 0x9000000000;  // read-only: VmmStart
inline constexpr uint64_t GUEST_WINDOW = 0xa000000000;  // the guest's RAM, read-write, guest-physical 0 up
inline constexpr uint64_t MAIN_UTCB = abi::UTCB_AREA;  // the VMM's first thread's
// START_TPM: TPM locality 0's registers (one page; 1-4 are the kernel's).
inline constexpr uint64_t TPM_WINDOW = START_PAGE + 0x1000;
// START_TPM after a measured launch: the DRTM event log, copied where a PC's
// firmware keeps its tables (guest RAM the memory map calls reserved).
inline constexpr uint64_t EVENT_LOG_GPA = 0xf0000;
inline constexpr uint64_t EVENT_LOG_MAX = 0x10000;
// START_DEVICE: the assigned device's memory BARs, one after the other
// (each at its window offset), for the VMM to map into its guest where the
// host has them.
inline constexpr uint64_t DEVICE_WINDOW = 0x9100000000;
inline constexpr uint64_t DEVICE_WINDOW_MAX = 1ull << 30;

// In the VMM's object space: its own PD (create objects, delegate its own
// memory into its guest space), and a portal to the root task's service.
inline constexpr abi::Selector SEL_SERVICE = 3;
inline constexpr abi::Selector SEL_DEVICE_SM = 4;  // START_DEVICE: its INTx ups it (level: masked until the next down)
// A Linux VM's vCPUs (at most VCPUS_MAX): vCPU i runs on vcpu_cpus[i], and
// its exit handler there reaches the root task's service through portal
// SEL_VCPU_SERVICE + i, bound to that CPU (portals are CPU-local; vCPU 0's
// is SEL_SERVICE's twin, on the VMM's own CPU).
inline constexpr unsigned VCPUS_MAX = 8;
inline constexpr abi::Selector SEL_VCPU_SERVICE = 8;
inline constexpr abi::Selector SEL_EVENTS = 64;  // the first thread's event base (its start-up portal)

// Service calls: word[0] = op | bytes << 8 | text_word << 32. Console:
// `bytes` of text from word[text_word] on (a VMM's exit handler keeps its
// vCPU state below it). Done: bytes is 1 if the guest passed, else 0.
enum class ServiceOp : uint8_t { Console = 1, Done = 2 };
inline constexpr uint64_t service_word(ServiceOp op, uint64_t bytes, uint64_t text_word = 1) {
    return uint64_t(op) | (bytes & 0xffffff) << 8 | text_word << 32;
}

struct VmmStart {
    uint32_t magic;
    uint32_t flags;  // START_CHECK_PROBE
    uint64_t guest_ram_bytes;  // at GUEST_WINDOW, from guest-physical 0
    uint64_t image_gpa, image_bytes;  // the image, already in guest RAM
    uint64_t stack_pointer;  // the guest's initial SP (in the image's segment; 0 is its top)
    uint64_t tsc_khz;
    uint64_t timeout_ms;  // 0: none; else the VM is ended (recalled) when it runs longer
    uint32_t cpu;  // where the VMM's threads and its vCPU run (the VMM's first thread already does)
    uint32_t reserved;
    char name[48];  // the VM's name, NUL-terminated
    // A Linux VM (the module "vmm-linux"): its bzImage and initrd, staged
    // at the top of its RAM by the root task for the VMM to load, and the
    // kernel's command line (NUL-terminated).
    uint64_t kernel_gpa, kernel_bytes;
    uint64_t initrd_gpa, initrd_bytes;  // 0 bytes: none
    uint32_t vcpus;  // 1 to VCPUS_MAX
    uint32_t event_log_bytes;  // at EVENT_LOG_GPA (START_TPM); 0: none
    // The host's wall clock (Unix seconds) as the root task read it, at TSC
    // value wall_clock_tsc; 0 seconds: unknown (the guest's clock starts at 1970).
    int64_t wall_clock_seconds;
    uint64_t wall_clock_tsc;
    char command_line[2048];
    // START_DEVICE: the PCI function assigned to the guest (its DMA goes
    // through the guest's memory space) and its memory BARs (host-physical
    // address and size; size 0: none or not mapped).
    uint32_t device_rid;  // requester ID
    uint32_t device_gsi;  // the host's I/O APIC pin of its INTx (for the VMM's report)
    struct Bar {
        uint64_t address, size, window_offset;
    } device_bars[6];
    uint16_t vcpu_cpus[VCPUS_MAX];  // where each vCPU runs (vcpu_cpus[0] == cpu)
};
static_assert(sizeof(VmmStart) <= 4096, "the start information is one page");
// The built-in test guest: the VMM also checks the page it writes.
inline constexpr uint32_t START_CHECK_PROBE = 1;
// The management VM: TPM locality 0 at TPM_WINDOW, for its guest at the TIS
// address, and the DRTM event log (event_log_bytes).
inline constexpr uint32_t START_TPM = 2;
inline constexpr uint32_t START_DEVICE = 4;

}  // namespace keel::vmm
