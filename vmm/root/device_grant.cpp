#include "vmm/root/device_grant.hpp"

#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "vmm/root/vm_report.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::root {

namespace enc = abi::encode;
using abi::Crd;
using abi::SpaceKind;

namespace {
constexpr uint64_t PAGE = 4096;
}  // namespace

// The PCI function `spec.pci` for the VM's guest: its DMA through the
// guest's memory space (the IOMMU), its memory BARs into the VMM's device
// window, its INTx (host pin spec.gsi) to a semaphore the VMM downs. The
// function and its BARs come from the information page, which lists them
// only where an IOMMU confines DMA.
bool give_device(const abi::Hip& hip, const char* vm, const VmSpec& spec, abi::Selector pd, abi::Selector sm,
                 uint16_t cpu, vmm::VmmStart& start) {
    bool listed = false;
    uint64_t window = 0;
    for (uint32_t m = 0; m < hip.memory_count; ++m) {
        const abi::HipMemory& e = hip.memory[m];
        if (e.kind == uint32_t(abi::HipMemoryKind::PciFunction) && e.aux == spec.pci) listed = true;
        if (e.kind != uint32_t(abi::HipMemoryKind::DeviceMemory) || (e.aux & 0xffff) != spec.pci) continue;
        const unsigned bar = e.aux >> 16;
        if (bar >= 6) continue;
        if (e.address % PAGE || e.size % PAGE) {
            // Part of a page would bring along whatever shares it.
            user::console::print("root: VM %s: the device's BAR %u (%lu bytes) is not whole pages; not mapped\n", vm,
                                 bar, e.size);
            continue;
        }
        if (e.size > vmm::DEVICE_WINDOW_MAX - window) {
            user::console::print("root: VM %s: the device's BARs are more than its VMM's %lu-MiB window; BAR %u not "
                                 "mapped\n",
                                 vm, vmm::DEVICE_WINDOW_MAX >> 20, bar);
            continue;
        }
        for (uint64_t p = 0; p < e.size; p += PAGE)
            if (!ok(vm, "mapping its device's registers",
                    user::hypercall(enc::delegate(
                        abi::SEL_OWN_PD, pd,
                        Crd(SpaceKind::HostMemory, (e.address + p) >> 12, 0, abi::perm::MEM_R | abi::perm::MEM_W),
                        (vmm::DEVICE_WINDOW + window + p) >> 12))))
                return false;
        start.device_bars[bar] = {e.address - abi::ROOT_PHYS_BASE, e.size, window};
        window += e.size;
    }
    if (!listed) {
        user::console::print("root: VM %s: no PCI function %02x:%02x.%x in the information page (there is none, "
                             "or no IOMMU confines it)\n",
                             vm, spec.pci >> 8, spec.pci >> 3 & 31, spec.pci & 7);
        return false;
    }
    using namespace abi::perm;
    // Its line first: a line another VM holds (busy) leaves the device where it was.
    if (!ok(vm, "creating its device's semaphore", user::hypercall(enc::create_sm(sm, abi::SEL_OWN_PD, 0))) ||
        !ok(vm, "binding its device's interrupt", user::hypercall(enc::assign_int(sm, cpu, uint32_t(spec.gsi)))) ||
        !ok(vm, "assigning its device", user::hypercall(enc::assign_dev(pd, spec.pci))) ||
        !ok(vm, "giving it its device's semaphore",
            user::hypercall(
                enc::delegate(abi::SEL_OWN_PD, pd, Crd(SpaceKind::Object, sm, 0, SM_DOWN), vmm::SEL_DEVICE_SM))))
        return false;
    start.flags |= vmm::START_DEVICE;
    start.device_rid = spec.pci;
    start.device_gsi = uint32_t(spec.gsi);
    return true;
}

}  // namespace keel::root
