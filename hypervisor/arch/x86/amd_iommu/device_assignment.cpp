#include "hypervisor/arch/x86/amd_iommu/device_assignment.hpp"

#include "hypervisor/arch/x86/amd_iommu/dma_space.hpp"
#include "hypervisor/arch/x86/pd_tables.hpp"

namespace keel::x86::amd_iommu {
namespace {

constexpr uint8_t CAP_PCI_EXPRESS = 0x10;
constexpr uint32_t PCIE_DEVICE_CONTROL = 0x08, PHANTOM_FUNCTIONS = 1u << 9;
constexpr uint32_t BRIDGE_BUSES = 0x18;  // primary 7:0, secondary 15:8, subordinate 23:16
constexpr uint8_t CLASS_BRIDGE = 0x06;

pci::Address address(uint16_t device) { return {uint8_t(device >> 8), uint8_t(device >> 3 & 31), uint8_t(device & 7)}; }
unsigned header_type(pci::Address a) { return pci::read32(a, pci::HEADER_TYPE) >> 16 & 0x7f; }

// A PCI Express port (root, upstream or downstream) forwards its devices'
// requester IDs unchanged; a conventional PCI or PCI-X bridge takes them
// over, so a device behind one cannot be told from its neighbours.
bool forwards_requester_ids(pci::Address bridge) {
    uint32_t cap = pci::find_capability(bridge, CAP_PCI_EXPRESS);
    if (!cap) return false;
    unsigned port = pci::read32(bridge, cap) >> 20 & 0xf;
    return port == 4 || port == 5 || port == 6;
}

// Every bridge from `bus` up to bus 0 is a PCI Express port.
bool reachable_by_its_own_id(uint8_t bus) {
    for (unsigned hops = 0; bus != 0; ++hops) {
        if (hops == 256) return false;
        bool found = false;
        uint8_t up = 0;
        pci::for_each_function([&](pci::Address a, uint32_t, uint32_t) {
            if (header_type(a) != 1 || (pci::read32(a, BRIDGE_BUSES) >> 8 & 0xff) != bus) return true;
            found = forwards_requester_ids(a);
            up = a.bus;
            return false;
        });
        if (!found) return false;
        bus = up;
    }
    return true;
}

}  // namespace

abi::Status DeviceAssignment::assign(Pd& pd, uint16_t device) {
    pci::Address a = address(device);
    uint32_t id = pci::read32(a, 0), class_revision = pci::read32(a, pci::CLASS);
    if ((id & 0xffff) == pci::NO_DEVICE) return abi::Status::BadDevice;
    // Its DMA could rewrite the tables that confine everyone else's.
    if (iommu_.is_iommu(a)) return abi::Status::Refused;
    if (header_type(a) != 0 || class_revision >> 24 == CLASS_BRIDGE) return abi::Status::BadDevice;
    if (uint32_t cap = pci::find_capability(a, CAP_PCI_EXPRESS);
        cap && (pci::read32(a, cap + PCIE_DEVICE_CONTROL) & PHANTOM_FUNCTIONS))
        return abi::Status::BadDevice;  // it also sends the IDs of functions it does not have
    if (!reachable_by_its_own_id(a.bus)) return abi::Status::BadDevice;

    PagingSpace& guest = PdTables::guest_table(pd);
    auto* dma = static_cast<DmaSpace*>(guest.dma());
    if (!dma) {
        Status s;
        dma = DmaSpace::attach(iommu_, guest, pd.memory, s);
        if (!dma) return abi::Status::OutOfMemory;
    }
    uint16_t domain;
    if (!iommu_.translated(device, domain) || domain != dma->domain())
        iommu_.translate(device, dma->domain(), dma->root());
    // The root task cannot reach configuration space: the kernel lets the
    // device decode its registers and master the bus, now that its DMA
    // goes where it should. Left on when it goes: the entry blocks then.
    uint32_t command = pci::read32(a, pci::COMMAND) & 0xffff;
    pci::write32(a, pci::COMMAND, command | pci::COMMAND_MEMORY | pci::COMMAND_BUS_MASTER);
    return abi::Status::Success;
}

abi::Status DeviceAssignment::read_config(Pd& pd, uint16_t device, uint16_t offset, uint32_t& value) {
    auto* dma = static_cast<DmaSpace*>(PdTables::guest_table(pd).dma());
    uint16_t domain;
    if (!dma || !iommu_.translated(device, domain) || domain != dma->domain()) return abi::Status::BadDevice;
    value = pci::read32(address(device), offset);
    return abi::Status::Success;
}

}  // namespace keel::x86::amd_iommu
