// A host PCI function assigned to the guest, as the guest's configuration
// space shows it: the device's own registers (read once, through the
// kernel, by the VMM) with what the VMM keeps to itself.
//   - BARs stay where the host's firmware put them (the VMM maps them at
//     those guest-physical addresses): a guest write of all ones reads back
//     the size, as a BAR is sized, and any other write changes nothing. A
//     BAR the VMM could not map (an I/O BAR, one smaller than a page) reads
//     as absent, as does the expansion ROM.
//   - MSI and MSI-X are unlinked from the capability list: the device's
//     interrupts reach the guest as its INTx through the VMM, never as
//     messages the guest addressed (the kernel never lets the guest write
//     configuration space, so the device never sends any).
//   - The command register is the guest's to write and read back; the
//     device keeps decoding memory and mastering the bus as the kernel set
//     it when it was assigned.
//   - The interrupt line is the guest's I/O APIC pin the VMM raises; the
//     function is single-function wherever the host's was not.
// Pure: unit-tested on the host.
#pragma once
#include <stdint.h>

#include "vmm/devices/pci_host.hpp"

namespace keel::vmm::dev {

class AssignedPciFunction {
public:
    static constexpr unsigned BARS = 6;
    static constexpr uint8_t CAP_MSI = 0x05, CAP_MSIX = 0x11;

    // `config`: the function's 256 bytes; `bar_bytes[i]`: the size of
    // memory BAR i as mapped for the guest (0: not mapped; for a 64-bit BAR
    // at index i, given at i); `line`: the guest's interrupt pin.
    AssignedPciFunction(const uint8_t (&config)[256], const uint64_t (&bar_bytes)[BARS], uint8_t line) {
        load(config, bar_bytes, line);
    }
    constexpr AssignedPciFunction() = default;  // absent until loaded
    void load(const uint8_t (&config)[256], const uint64_t (&bar_bytes)[BARS], uint8_t line);

    PciFunction function(uint8_t device, uint8_t fn) { return {0, device, fn, read, write, this}; }
    // Its INTx pin, 1-4 (INTA-INTD); 0: none.
    uint8_t interrupt_pin() const { return config_[0x3d]; }

    static uint32_t read(void* ctx, uint16_t offset, unsigned size);
    static void write(void* ctx, uint16_t offset, unsigned size, uint32_t value);

private:
    uint32_t dword(unsigned index) const;
    void unlink_capabilities();

    uint8_t config_[256] = {};
    uint32_t bar_mask_[BARS] = {};  // address bits a BAR dword implements (0: absent)
    uint32_t bar_type_[BARS] = {};  // a BAR's low dword: its type bits (3-0), kept when sized
    bool sizing_[BARS] = {};  // the guest wrote all ones: it reads the mask
};

}  // namespace keel::vmm::dev
