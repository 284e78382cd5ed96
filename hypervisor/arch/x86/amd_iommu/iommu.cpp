#include "hypervisor/arch/x86/amd_iommu/iommu.hpp"

#include "lib/assert.hpp"

namespace keel::x86::amd_iommu {
namespace {
constexpr uint32_t CAP_NP_CACHE = 1u << 26;  // in the capability header
}  // namespace

Status Iommu::adopt(uint64_t tables, uint64_t size, uint32_t count, const char*& why) {
    why = nullptr;
    if (!tables || !count) return Status::NotFound;
    Found found;
    if (find(found) != Status::Ok || found.count != count) {
        why = "the IOMMUs found are not the ones the secure loader programmed";
        return Status::Malformed;
    }
    if (size < DMA_TABLES_SIZE || tables & 0xfff) {
        why = "the secure loader's tables are smaller than their layout";
        return Status::Malformed;
    }
    bool np_cache = false;
    for (size_t i = 0; i < found.count; ++i) {
        uint64_t mmio = found.mmio[i];
        if (read64(mmio, DEVICE_TABLE_BASE) != (tables | DEVICE_TABLE_SIZE_FIELD) ||
            (read64(mmio, COMMAND_BUFFER_BASE) & 0x000ffffffffff000ull) != command_buffer(tables, i)) {
            why = "an IOMMU does not use the secure loader's tables";
            return Status::Malformed;
        }
        uint32_t on = CONTROL_IOMMU_ENABLE | CONTROL_COMMAND_BUFFER_ENABLE;
        if ((*reg(mmio, CONTROL) & on) != on) {
            why = "an IOMMU is not enabled";
            return Status::Malformed;
        }
        uint32_t cap;
        uint32_t class_revision = pci::read32(found.function[i], pci::CLASS);
        if (amd_iommu::is_iommu(found.function[i], class_revision, cap) &&
            (pci::read32(found.function[i], cap) & CAP_NP_CACHE))
            np_cache = true;
    }
    found_ = found;
    tables_ = tables;
    caches_absent_ = np_cache;
    return Status::Ok;
}

bool Iommu::is_iommu(pci::Address a) const {
    uint32_t cap;
    return amd_iommu::is_iommu(a, pci::read32(a, pci::CLASS), cap);
}

bool Iommu::translated(uint16_t device, uint16_t& domain) const {
    volatile uint64_t* e = entry(device);
    domain = entry_domain(e[1]);
    return entry_is_translated(e[0]);
}

void Iommu::remap_ioapic_interrupt(uint8_t vector, uint8_t apic_id) {
    ioapic_interrupts_[vector] = interrupt_entry(vector, apic_id);
    entry(IOAPIC_DEVICE)[2] = entry_interrupts_remapped(reinterpret_cast<uint64_t>(ioapic_interrupts_));
    Command forget[] = {invalidate_device_entry(IOAPIC_DEVICE), invalidate_interrupt_table(IOAPIC_DEVICE)};
    run(forget, 2);
}

bool Iommu::consistent() const {
    for (uint32_t device = 0; device < 65536; ++device) {
        uint16_t domain;
        if (translated(uint16_t(device), domain) && !domains.in_use(domain)) return false;
    }
    return true;
}

void Iommu::run(const Command* c, size_t n) {
    auto* completion = reinterpret_cast<volatile uint64_t*>(completion_store(tables_));
    for (size_t i = 0; i < found_.count; ++i) {
        uint64_t buffer = command_buffer(tables_, i);
        Status s = Status::Ok;
        for (size_t k = 0; k < n && s == Status::Ok; ++k) s = submit(found_.mmio[i], buffer, c[k]);
        if (s == Status::Ok) s = wait_for_completion(found_.mmio[i], buffer, completion);
        // An IOMMU that does not confirm may still translate through what
        // was just taken away: the kernel cannot go on as if it did not.
        KEEL_ASSERT(s == Status::Ok && "an IOMMU did not complete an invalidation");
    }
}

void Iommu::translate(uint16_t device, uint16_t domain, uint64_t root) {
    KEEL_ASSERT(active() && DomainIds::usable(domain));
    volatile uint64_t* e = entry(device);
    uint16_t old;
    if (translated(device, old)) {
        // Blocked first: the entry is never half the old and half the new.
        e[0] = ENTRY_BLOCK;
        Command forget[] = {invalidate_device_entry(device), invalidate_domain_pages(old)};
        run(forget, 2);
    }
    e[1] = domain;
    e[0] = entry_translated(root);
    Command use[] = {invalidate_device_entry(device), invalidate_domain_pages(domain)};
    run(use, 2);
}

void Iommu::block_domain(uint16_t domain) {
    KEEL_ASSERT(active() && DomainIds::usable(domain));
    for (uint32_t device = 0; device < 65536; ++device) {
        volatile uint64_t* e = entry(uint16_t(device));
        if (!entry_is_translated(e[0]) || entry_domain(e[1]) != domain) continue;
        e[0] = ENTRY_BLOCK;
        e[1] = 0;
        Command forget = invalidate_device_entry(uint16_t(device));
        run(&forget, 1);
    }
    flush_domain(domain);
}

void Iommu::flush_domain(uint16_t domain) {
    Command forget = invalidate_domain_pages(domain);
    run(&forget, 1);
}

}  // namespace keel::x86::amd_iommu
