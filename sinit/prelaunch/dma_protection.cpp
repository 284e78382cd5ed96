#include "dma_protection.hpp"

#include "../../hypervisor/arch/x86/cpu.hpp"
#include "../../hypervisor/kernel/console.hpp"
#include "hypervisor/arch/x86/pci_config.hpp"

namespace keel::prelaunch {
namespace {

constexpr uint16_t AMD_VENDOR = 0x1022;
constexpr uint8_t NB_DEVICE = 0x18;  // the northbridge functions of node 0
constexpr uint8_t CAP_SECURE_DEVICE = 0x0f;
constexpr uint32_t MEMPROT_CR = 0x384;  // family 17h+: 00:18.0

uint32_t pci_read(uint8_t dev, uint8_t fn, uint32_t offset) { return x86::pci::read32({0, dev, fn}, offset); }

unsigned family() {
    uint32_t eax = x86::cpuid(1).eax;
    unsigned f = (eax >> 8) & 0xf;
    return f == 0xf ? f + ((eax >> 20) & 0xff) : f;
}

}  // namespace

void report_dma_protection() {
    uint32_t id = pci_read(NB_DEVICE, 0, 0);
    if ((id & 0xffff) != AMD_VENDOR) {
        console::print("keel-prelaunch: DMA protection: no AMD northbridge at PCI 00:18.0 (vendor 0x%04x): "
                       "this platform offers no DEV; the SLB is not protected from DMA\n",
                       id & 0xffff);
        return;
    }
    if (family() >= 0x17) {
        console::print("keel-prelaunch: DMA protection: family %xh, MEMPROT_CR (00:18.0+0x384) = 0x%08x; "
                       "SKINIT protects the SLB\n",
                       family(), pci_read(NB_DEVICE, 0, MEMPROT_CR));
        return;
    }
    // Older families: look for the Secure Device capability on 00:18.3.
    for (uint32_t cap = pci_read(NB_DEVICE, 3, 0x34) & 0xff, hops = 0; cap && hops < 48; ++hops) {
        uint32_t header = pci_read(NB_DEVICE, 3, cap);
        if ((header & 0xff) == CAP_SECURE_DEVICE) {
            console::print("keel-prelaunch: DMA protection: DEV capability at 00:18.3+0x%02x; "
                           "SKINIT protects the SLB (SL_DEV)\n",
                           cap);
            return;
        }
        cap = (header >> 8) & 0xfc;
    }
    console::print("keel-prelaunch: DMA protection: family %xh without a DEV capability\n", family());
}

}  // namespace keel::prelaunch
