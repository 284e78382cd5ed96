#include "sinit/slb/amd_iommu.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/pci_config.hpp"

namespace keel::slb {
namespace {

constexpr uint32_t CLASS_IOMMU = 0x080600;  // base class 08h, subclass 06h, interface 0
constexpr uint8_t CAP_SECURE_DEVICE = 0x0f;
constexpr int CAP_TYPE_IOMMU = 3;

// MMIO registers (AMD IOMMU specification, 3.4)
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
constexpr uint64_t FEATURE_INVALIDATE_ALL = 1u << 6;
constexpr uint32_t STATUS_CLEAR = 0x7;
constexpr uint64_t ENTRY_BLOCK = 0x3;  // V | TV; Mode 0, IR = IW = 0: no access at all
// Interrupts remapped (IV) with IntCtl = 0 and every pass bit clear: a
// device's fixed interrupts are aborted, and so are the INIT, NMI, SMI and
// ExtINT messages a device could send to pull a CPU out of the measured code.
constexpr uint64_t ENTRY_INTERRUPTS_BLOCKED = 0x1;
constexpr uint32_t COMMAND_SLOTS = 256;
constexpr uint32_t POLL_LIMIT = 50'000'000;
constexpr uint64_t COMPLETION_MAGIC = 0x4b45454c444d4131;  // "KEELDMA1"

volatile uint32_t* reg(uint64_t mmio, Reg r) { return reinterpret_cast<volatile uint32_t*>(mmio + r); }

// A 64-bit register as two dword writes, low first: the high write is
// what makes the new value take effect (QEMU 7.2 latches base registers then).
void write64(uint64_t mmio, Reg r, uint64_t v) {
    *reg(mmio, r) = uint32_t(v);
    *reg(mmio, Reg(r + 4)) = uint32_t(v >> 32);
}

uint64_t read64(uint64_t mmio, Reg r) { return uint64_t(*reg(mmio, r)) | uint64_t(*reg(mmio, Reg(r + 4))) << 32; }

struct Command {
    uint32_t dw[4];
};

// Queues one command and waits until the IOMMU has fetched it (head = tail).
Status submit(uint64_t mmio, uint64_t buffer, const Command& c) {
    uint32_t tail = *reg(mmio, COMMAND_TAIL) & ((COMMAND_SLOTS * 16) - 1);
    auto* slot = reinterpret_cast<volatile uint32_t*>(buffer + tail);
    for (int i = 0; i < 4; ++i) slot[i] = c.dw[i];
    tail = (tail + 16) % (COMMAND_SLOTS * 16);
    *reg(mmio, COMMAND_TAIL) = tail;
    for (uint32_t i = 0; i < POLL_LIMIT; ++i) {
        if ((*reg(mmio, COMMAND_HEAD) & ((COMMAND_SLOTS * 16) - 1)) == tail) return Status::Ok;
        x86::pause();
    }
    return Status::Unsupported;
}

// Everything the IOMMU may cache about devices forgotten, then a completion
// store that says it is done.
Status invalidate_and_wait(uint64_t mmio, uint64_t buffer, volatile uint64_t* completion) {
    if (read64(mmio, EXTENDED_FEATURES) & FEATURE_INVALIDATE_ALL) {
        if (Status s = submit(mmio, buffer, {{0, 0x80000000u, 0, 0}}); s != Status::Ok) return s;
    } else {
        for (uint32_t id = 0; id < 65536; ++id)
            if (Status s = submit(mmio, buffer, {{id, 0x20000000u, 0, 0}}); s != Status::Ok) return s;
        // Every page of domain 0, the domain all entries name.
        if (Status s = submit(mmio, buffer, {{0, 0x30000000u, 0xfffff003u, 0x7fffffffu}}); s != Status::Ok) return s;
    }
    *completion = 0;
    uint64_t at = reinterpret_cast<uint64_t>(completion);
    Command wait{{uint32_t(at & ~7ull) | 1u, 0x10000000u | uint32_t((at >> 32) & 0xfffff), uint32_t(COMPLETION_MAGIC),
                  uint32_t(COMPLETION_MAGIC >> 32)}};
    if (Status s = submit(mmio, buffer, wait); s != Status::Ok) return s;
    for (uint32_t i = 0; i < POLL_LIMIT; ++i) {
        if (*completion == COMPLETION_MAGIC) return Status::Ok;
        x86::pause();
    }
    return Status::Unsupported;
}

void fill_device_table(uint64_t table) {
    auto* e = reinterpret_cast<volatile uint64_t*>(table);
    for (uint64_t i = 0; i < DEVICE_TABLE_SIZE / 8; i += 4) {
        e[i] = ENTRY_BLOCK;
        e[i + 1] = 0;
        e[i + 2] = ENTRY_INTERRUPTS_BLOCKED;
        e[i + 3] = 0;
    }
}

bool device_table_blocks(uint64_t table) {
    auto* e = reinterpret_cast<volatile uint64_t*>(table);
    for (uint64_t i = 0; i < DEVICE_TABLE_SIZE / 8; i += 4)
        if (e[i] != ENTRY_BLOCK || e[i + 1] || e[i + 2] != ENTRY_INTERRUPTS_BLOCKED || e[i + 3]) return false;
    return true;
}

}  // namespace

Status find_iommus(IommuFound& out) {
    out = {};
    Status result = Status::Ok;
    x86::pci::for_each_function([&](x86::pci::Address a, uint32_t, uint32_t class_revision) {
        if ((class_revision >> 8) != CLASS_IOMMU) return true;
        uint32_t cap = x86::pci::find_capability(a, CAP_SECURE_DEVICE, CAP_TYPE_IOMMU);
        if (!cap) return true;
        uint64_t base = (x86::pci::read32(a, cap + 4) & 0xffffc000u) | uint64_t(x86::pci::read32(a, cap + 8)) << 32;
        if (base == 0 || out.count == MAX_IOMMUS) {
            result = Status::Unsupported;  // one we could not program: DMA through it stays open
            return false;
        }
        out.mmio[out.count] = base;
        out.bus[out.count] = a.bus;
        out.device[out.count] = a.device;
        out.function[out.count] = a.function;
        ++out.count;
        return true;
    });
    return result;
}

Status block_all_dma(const IommuFound& iommus, uint64_t tables) {
    uint64_t device_table = tables;
    auto* completion =
        reinterpret_cast<volatile uint64_t*>(tables + DEVICE_TABLE_SIZE + MAX_IOMMUS * COMMAND_BUFFER_SIZE);
    fill_device_table(device_table);
    for (size_t i = 0; i < iommus.count; ++i) {
        uint64_t mmio = iommus.mmio[i], buffer = tables + DEVICE_TABLE_SIZE + i * COMMAND_BUFFER_SIZE;
        for (uint64_t b = 0; b < COMMAND_BUFFER_SIZE; b += 8) *reinterpret_cast<volatile uint64_t*>(buffer + b) = 0;
        *reg(mmio, CONTROL) = 0;  // off while its tables change
        write64(mmio, EXCLUSION_BASE, 0);  // no range that bypasses translation
        write64(mmio, EXCLUSION_LIMIT, 0);
        write64(mmio, DEVICE_TABLE_BASE, device_table | DEVICE_TABLE_SIZE_FIELD);
        write64(mmio, COMMAND_BUFFER_BASE, buffer | uint64_t(COMMAND_LENGTH_256) << 32);
        write64(mmio, COMMAND_HEAD, 0);
        write64(mmio, COMMAND_TAIL, 0);
        *reg(mmio, STATUS) = STATUS_CLEAR;
        *reg(mmio, CONTROL) = CONTROL_IOMMU_ENABLE | CONTROL_COMMAND_BUFFER_ENABLE;
        if ((*reg(mmio, CONTROL) & CONTROL_IOMMU_ENABLE) == 0) return Status::Unsupported;
    }
    // A device could have written the table between the fill and the enable:
    // write it again now that no device can, forget any cached entry, and
    // check what the IOMMUs now read.
    fill_device_table(device_table);
    for (size_t i = 0; i < iommus.count; ++i)
        if (Status s =
                invalidate_and_wait(iommus.mmio[i], tables + DEVICE_TABLE_SIZE + i * COMMAND_BUFFER_SIZE, completion);
            s != Status::Ok)
            return s;
    return device_table_blocks(device_table) ? Status::Ok : Status::Exists;
}

}  // namespace keel::slb
