// The AMD IOMMU as the secure loader and the kernel both program it: how to
// find one, its registers, the commands they queue, device-table entries
// (the tables' layout: layout.hpp). Formats are from AMD's I/O
// Virtualization Technology specification (pub. 48882): registers 3.4,
// device table entry 2.2.2, I/O page tables 2.2.3, commands 2.4. Header-only, freestanding: the SLB and the kernel
// include it, and the encoders are unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/arch/x86/amd_iommu/layout.hpp"
#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/pci_config.hpp"
#include "lib/status.hpp"

namespace keel::x86::amd_iommu {

constexpr uint32_t CLASS_IOMMU = 0x080600;  // base class 08h, subclass 06h, interface 0
constexpr uint8_t CAP_SECURE_DEVICE = 0x0f;
constexpr int CAP_TYPE_IOMMU = 3;

enum Reg : uint32_t {
    DEVICE_TABLE_BASE = 0x00,
    COMMAND_BUFFER_BASE = 0x08,
    CONTROL = 0x18,
    EXCLUSION_BASE = 0x20,
    EXCLUSION_LIMIT = 0x28,
    EXTENDED_FEATURES = 0x30,
    COMMAND_HEAD = 0x2000,
    COMMAND_TAIL = 0x2008,
    STATUS = 0x2020,
};
constexpr uint32_t CONTROL_IOMMU_ENABLE = 1u << 0, CONTROL_COMMAND_BUFFER_ENABLE = 1u << 12;
constexpr uint32_t DEVICE_TABLE_SIZE_FIELD = 0x1ff;  // (0x1ff + 1) x 4 KiB: all 65,536 IDs
constexpr uint32_t COMMAND_LENGTH_256 = 8u << 24;  // ComLen in the base's high dword: 2^8 entries
constexpr uint32_t COMMAND_SLOTS = 256;
constexpr uint64_t FEATURE_INVALIDATE_ALL = 1u << 6;
constexpr uint32_t STATUS_CLEAR = 0x7;
constexpr uint32_t POLL_LIMIT = 50'000'000;
constexpr uint64_t COMPLETION_MAGIC = 0x4b45454c444d4131;  // "KEELDMA1"

// Device table entries. Blocked: valid and translated (V, TV) with Mode 0
// and neither read nor write: no access at all. (V or TV clear would mean
// pass-through: never written.)
constexpr uint64_t ENTRY_BLOCK = 0x3;
// Interrupts remapped (IV) with IntCtl = 0 and every pass bit clear: a
// device's fixed interrupts are aborted, and so are the INIT, NMI, SMI and
// ExtINT messages a device could send to pull a CPU out of measured code.
constexpr uint64_t ENTRY_INTERRUPTS_BLOCKED = 0x1;
// Remapped through the interrupt table at `table` (64-byte aligned) of
// 2^8 entries, IntCtl = 10b: a fixed or arbitrated interrupt arrives only
// as its valid table entry says; INIT, NMI, SMI and ExtINT stay blocked (no
// pass bit). Each entry is indexed by bits 10:0 of the message's data,
// for the I/O APIC its redirection entry's vector (delivery mode fixed).
constexpr uint64_t entry_interrupts_remapped(uint64_t table) {
    return ENTRY_INTERRUPTS_BLOCKED | uint64_t(8) << 1 | (table & 0x000fffffffffffc0ull) | uint64_t(2) << 60;
}
// A valid legacy (32-bit) interrupt table entry: fixed, physical
// destination `apic_id`, `vector`.
constexpr uint32_t interrupt_entry(uint8_t vector, uint8_t apic_id) {
    return 1u | uint32_t(apic_id) << 8 | uint32_t(vector) << 16;
}
// The I/O APIC's requester ID on AMD platforms (00:14.0, the southbridge;
// IVRS names it, which Keel does not read).
constexpr uint16_t IOAPIC_DEVICE = 0x00a0;
// Translated through a four-level I/O page table at `root` (Mode 4: 48-bit
// addresses) with read and write allowed at the root: the tables decide.
constexpr uint64_t entry_translated(uint64_t root) {
    return ENTRY_BLOCK | uint64_t(4) << 9 | (root & 0x000ffffffffff000ull) | 1ull << 61 | 1ull << 62;
}
constexpr bool entry_is_translated(uint64_t dte0) { return (dte0 & 3) == 3 && ((dte0 >> 9) & 7) != 0; }
constexpr uint16_t entry_domain(uint64_t dte1) { return uint16_t(dte1); }

struct Command {
    uint32_t dw[4];
};
// The IOMMU stores `COMPLETION_MAGIC` at `at` once every earlier command is done.
constexpr Command completion_wait(uint64_t at) {
    return {{uint32_t(at & ~7ull) | 1u, 0x10000000u | uint32_t((at >> 32) & 0xfffff), uint32_t(COMPLETION_MAGIC),
             uint32_t(COMPLETION_MAGIC >> 32)}};
}
constexpr Command invalidate_device_entry(uint16_t device) { return {{device, 0x20000000u, 0, 0}}; }
// Every page of `domain` (S = 1, PDE = 1, the largest range).
constexpr Command invalidate_domain_pages(uint16_t domain) {
    return {{0, 0x30000000u | domain, 0xfffff003u, 0x7fffffffu}};
}
constexpr Command invalidate_all() { return {{0, 0x80000000u, 0, 0}}; }
constexpr Command invalidate_interrupt_table(uint16_t device) { return {{device, 0x50000000u, 0, 0}}; }

inline volatile uint32_t* reg(uint64_t mmio, Reg r) { return reinterpret_cast<volatile uint32_t*>(mmio + r); }
// A 64-bit register as two dword writes, low first: the high write is
// what makes the new value take effect (QEMU 7.2 latches base registers then).
inline void write64(uint64_t mmio, Reg r, uint64_t v) {
    *reg(mmio, r) = uint32_t(v);
    *reg(mmio, Reg(r + 4)) = uint32_t(v >> 32);
}
inline uint64_t read64(uint64_t mmio, Reg r) {
    return uint64_t(*reg(mmio, r)) | uint64_t(*reg(mmio, Reg(r + 4))) << 32;
}

// Queues one command in the buffer at `buffer` and waits until the IOMMU
// has fetched it (head = tail); Unsupported if it never does.
inline Status submit(uint64_t mmio, uint64_t buffer, const Command& c) {
    uint32_t tail = *reg(mmio, COMMAND_TAIL) & ((COMMAND_SLOTS * 16) - 1);
    auto* slot = reinterpret_cast<volatile uint32_t*>(buffer + tail);
    for (int i = 0; i < 4; ++i) slot[i] = c.dw[i];
    tail = (tail + 16) % (COMMAND_SLOTS * 16);
    *reg(mmio, COMMAND_TAIL) = tail;
    for (uint32_t i = 0; i < POLL_LIMIT; ++i) {
        if ((*reg(mmio, COMMAND_HEAD) & ((COMMAND_SLOTS * 16) - 1)) == tail) return Status::Ok;
        pause();
    }
    return Status::Unsupported;
}

// A completion wait, then the store it makes: every command before it is done.
inline Status wait_for_completion(uint64_t mmio, uint64_t buffer, volatile uint64_t* completion) {
    *completion = 0;
    if (Status s = submit(mmio, buffer, completion_wait(reinterpret_cast<uint64_t>(completion))); s != Status::Ok)
        return s;
    for (uint32_t i = 0; i < POLL_LIMIT; ++i) {
        if (*completion == COMPLETION_MAGIC) return Status::Ok;
        pause();
    }
    return Status::Unsupported;
}

struct Found {
    size_t count;
    uint64_t mmio[MAX_IOMMUS];
    pci::Address function[MAX_IOMMUS];
};

// Is this PCI function an AMD IOMMU (class 08h/06h with the IOMMU
// capability)? `cap`: where its capability lies.
inline bool is_iommu(pci::Address a, uint32_t class_revision, uint32_t& cap) {
    if ((class_revision >> 8) != CLASS_IOMMU) return false;
    cap = pci::find_capability(a, CAP_SECURE_DEVICE, CAP_TYPE_IOMMU);
    return cap != 0;
}

// Every AMD IOMMU on buses 0-255 with the MMIO base its firmware gave it;
// Unsupported if one has none (it could not be programmed) or there are
// more than MAX_IOMMUS.
inline Status find(Found& out) {
    out = {};
    Status result = Status::Ok;
    pci::for_each_function([&](pci::Address a, uint32_t, uint32_t class_revision) {
        uint32_t cap;
        if (!is_iommu(a, class_revision, cap)) return true;
        uint64_t base = (pci::read32(a, cap + 4) & 0xffffc000u) | uint64_t(pci::read32(a, cap + 8)) << 32;
        if (base == 0 || out.count == MAX_IOMMUS) {
            result = Status::Unsupported;  // one we could not program: DMA through it stays open
            return false;
        }
        out.mmio[out.count] = base;
        out.function[out.count] = a;
        ++out.count;
        return true;
    });
    return result;
}

}  // namespace keel::x86::amd_iommu
