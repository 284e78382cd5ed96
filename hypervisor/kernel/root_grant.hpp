// What the root task receives at start-up, and so all that any PD can ever
// hold: usable RAM minus everything the kernel keeps, TPM locality 0 (the
// attestation agent's), and the I/O ports minus the kernel's own. The
// kernel's memory (image, page tables, VMCBs, host save areas, permission
// bitmaps, the DRTM event log, the IOMMU tables) is passed in as `kept`; the
// TPM's localities 1-4, the IOMMU, local and I/O APIC registers are device
// windows, never RAM, and only locality 0 of them is handed out. Pure:
// unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/hip.hpp"
#include "hypervisor/kernel/multiboot2.hpp"

namespace keel {

struct GrantRange {
    uint64_t base, end;  // byte addresses or ports; end exclusive
};

inline constexpr uint64_t TPM_LOCALITY0 = abi::TPM_LOCALITY0;  // its 4 KiB page; localities 1-4 follow it
inline constexpr uint64_t TPM_LOCALITY_SIZE = 0x1000;

// The ports the kernel drives itself and never hands out.
inline constexpr GrantRange KERNEL_PORTS[] = {
    {0x20, 0x22},  // master PIC
    {0x40, 0x44},  // PIT (the LAPIC timer's calibration)
    {0xa0, 0xa2},  // slave PIC
    {0xcf8, 0xd00},  // PCI configuration (the IOMMU's registers are found and programmed through it)
    {0x3f8, 0x400},  // COM1, the kernel's console
};

// Usable RAM in whole pages, without any byte of `kept` (any order, may
// overlap): at most `cap` ranges into `out`; returns how many, or cap + 1
// if they did not fit.
size_t root_memory(const mb2::BootInfo& info, const GrantRange* kept, size_t kept_count, GrantRange* out, size_t cap);

// The local and I/O APICs, the TPM, the HPET and firmware flash: the
// kernel's, whatever a BAR says.
inline constexpr GrantRange PLATFORM_WINDOW = {0xfec00000, 1ull << 32};

// May a device's memory BAR [base, base + size) go to the root task? Only
// whole pages outside RAM (any memory-map range that is not "reserved":
// a BAR placed over RAM by the unmeasured firmware would hand out the
// kernel's memory), outside the platform window and outside `kept` (the
// IOMMUs' registers among them).
bool device_memory_grantable(const mb2::BootInfo& info, const GrantRange* kept, size_t kept_count, uint64_t base,
                             uint64_t size);

// All 65,536 ports but `kernel` (`debug_exit`, QEMU's exit port, when set):
// into `out` (cap at least 8); returns how many.
size_t root_ports(uint16_t debug_exit, GrantRange* out, size_t cap);

}  // namespace keel
