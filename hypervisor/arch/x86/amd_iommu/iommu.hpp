// The kernel's AMD IOMMU driver. It programs nothing at boot: the secure
// loader enabled every IOMMU with a device table that blocks all DMA, and
// the kernel adopts that state as it is (checking that the IOMMUs it finds
// are the ones the loader programmed, with its tables), so there is no
// moment without protection. From then on it only switches single device
// table entries between blocked and translated through a PD's I/O page
// table, and makes the IOMMUs forget what they cached.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/arch/x86/amd_iommu/domain_ids.hpp"
#include "hypervisor/arch/x86/amd_iommu/registers.hpp"
#include "lib/status.hpp"

namespace keel::x86::amd_iommu {

class Iommu {
public:
    // Takes over the loader's tables at `tables` (`size` bytes, for
    // `count` IOMMUs). NotFound: no tables (no DMA protection to build
    // on); Malformed: the IOMMUs found now are not what the loader
    // programmed (`why` says what differs). Nothing is changed either way.
    Status adopt(uint64_t tables, uint64_t size, uint32_t count, const char*& why);
    bool active() const { return found_.count != 0; }
    size_t count() const { return found_.count; }
    uint64_t mmio(size_t i) const { return found_.mmio[i]; }
    pci::Address function(size_t i) const { return found_.function[i]; }
    bool is_iommu(pci::Address a) const;

    // Device table entries by requester ID (bus << 8 | device << 3 | function).
    bool translated(uint16_t device, uint16_t& domain) const;
    // Switches `device` to the I/O page table at `root` tagged `domain`,
    // blocking it first if another domain had it; returns when no IOMMU
    // uses the old entry or the old domain's cached translations.
    void translate(uint16_t device, uint16_t domain, uint64_t root);
    // Blocks every device whose entry names `domain` (the domain's PD
    // goes), and forgets the domain's translations.
    void block_domain(uint16_t domain);
    // Forgets every cached translation of `domain` on every IOMMU and waits
    // until each has done so. A revocation is complete only then.
    void flush_domain(uint16_t domain);
    // The I/O APIC's fixed interrupt on `vector` reaches the CPU with
    // `apic_id` (its entry otherwise blocks them all, as every
    // requester's): through an interrupt table of the kernel's, in which
    // only the vectors bound so far are valid; its INIT, NMI, SMI and
    // ExtINT messages stay blocked.
    void remap_ioapic_interrupt(uint8_t vector, uint8_t apic_id);
    // Every translated entry names a domain a PD still has (the health
    // check: a device left pointing at freed tables would walk whatever
    // reuses them).
    bool consistent() const;
    // The IOMMUs may cache "not present" (capability NpCache): a page made
    // present needs a flush too.
    bool caches_absent() const { return caches_absent_; }

    DomainIds domains;

private:
    volatile uint64_t* entry(uint16_t device) const {
        return reinterpret_cast<volatile uint64_t*>(tables_ + uint64_t(device) * 32);
    }
    // Runs `c` on every IOMMU, then waits for all of them to complete.
    void run(const Command* c, size_t n);

    Found found_ = {};
    uint64_t tables_ = 0;
    bool caches_absent_ = false;
    alignas(4096) uint32_t ioapic_interrupts_[256] = {};
};

}  // namespace keel::x86::amd_iommu
