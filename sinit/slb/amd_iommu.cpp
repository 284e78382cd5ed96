#include "sinit/slb/amd_iommu.hpp"

namespace keel::slb {
namespace {

using namespace x86::amd_iommu;

// Everything the IOMMU may cache about devices forgotten, then a completion
// store that says it is done.
Status invalidate_and_wait(uint64_t mmio, uint64_t buffer, volatile uint64_t* completion) {
    if (read64(mmio, EXTENDED_FEATURES) & FEATURE_INVALIDATE_ALL) {
        if (Status s = submit(mmio, buffer, invalidate_all()); s != Status::Ok) return s;
    } else {
        for (uint32_t id = 0; id < 65536; ++id)
            if (Status s = submit(mmio, buffer, invalidate_device_entry(uint16_t(id))); s != Status::Ok) return s;
        // Every page of domain 0, the domain all entries name.
        if (Status s = submit(mmio, buffer, invalidate_domain_pages(0)); s != Status::Ok) return s;
    }
    return wait_for_completion(mmio, buffer, completion);
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

Status block_all_dma(const IommuFound& iommus, uint64_t tables) {
    uint64_t device_table = tables;
    auto* completion = reinterpret_cast<volatile uint64_t*>(completion_store(tables));
    fill_device_table(device_table);
    for (size_t i = 0; i < iommus.count; ++i) {
        uint64_t mmio = iommus.mmio[i], buffer = command_buffer(tables, i);
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
        if (Status s = invalidate_and_wait(iommus.mmio[i], command_buffer(tables, i), completion); s != Status::Ok)
            return s;
    return device_table_blocks(device_table) ? Status::Ok : Status::Exists;
}

}  // namespace keel::slb
