// PCI configuration mechanism #1: the address register at 0xcf8 (dword
// accesses only; narrower ones are not it and go unanswered) and the data
// window 0xcfc-0xcff, where a byte, word or dword access at any offset
// reaches the register at the address's dword plus that offset. Functions are
// registered with their own config-space callbacks; an absent one reads all
// ones and ignores writes, which is how a guest learns it is absent.
//
// Registered on PortBus as two ranges: 0xcf8-0xcfb and 0xcfc-0xcff, both
// wide (see port_io). Pure: unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm::dev {

struct PciFunction {
    uint8_t bus, device, function;  // device 0-31, function 0-7
    // offset 0-255; size 1, 2 or 4, offset + size <= 256
    uint32_t (*read)(void* ctx, uint16_t offset, unsigned size);
    void (*write)(void* ctx, uint16_t offset, unsigned size, uint32_t value);
    void* ctx;
};

class PciHost {
public:
    static constexpr size_t MAX_FUNCTIONS = 16;

    // False when full, or when the address is taken or not a valid one.
    bool add(const PciFunction& function);

    // Ports 0xcf8-0xcff; size 1, 2 or 4. False when the access is none of
    // the mechanism's (a narrow one to 0xcf8-0xcfb, or one past 0xcff).
    bool read(uint16_t port, unsigned size, uint32_t& value);
    bool write(uint16_t port, unsigned size, uint32_t value);

    // A PortBus handler with this PciHost as ctx.
    static bool port_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);

    uint32_t address() const { return address_; }

private:
    const PciFunction* selected() const;

    PciFunction functions_[MAX_FUNCTIONS] = {};
    size_t count_ = 0;
    uint32_t address_ = 0;
};

// Bus 0's host bridge, 00:00.0: an Intel 440FX, the host bridge Linux has met
// most under hypervisors; read-only, no BARs, no capabilities.
class PciHostBridge {
public:
    PciHostBridge();
    PciFunction function() { return {0, 0, 0, read, write, this}; }

private:
    static uint32_t read(void* ctx, uint16_t offset, unsigned size);
    static void write(void*, uint16_t, unsigned, uint32_t) {}
    uint8_t config_[256] = {};
};

}  // namespace keel::vmm::dev
