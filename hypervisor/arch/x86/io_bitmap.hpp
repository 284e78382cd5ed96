// The table behind a PD's I/O port space: a bitmap with one bit per port
// (set = no access), loaded into the TSS while the PD runs, so ring 3
// touches exactly the ports delegated to its PD and faults (#GP) on any
// other.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/gdt.hpp"
#include "hypervisor/kernel/resource_space.hpp"

namespace keel::x86 {

class IoBitmap final : public ResourceSpace::Hardware {
public:
    static constexpr uint64_t HALF = gdt::IO_BITMAP_BYTES / 2;  // one page each

    // Two pages (ports 0-32767, 32768-65535), filled here: no port.
    IoBitmap(uint8_t* low, uint8_t* high);

    bool map(uint64_t port, uint64_t, uint64_t count, uint8_t perms) override;
    void protect(uint64_t port, uint64_t count, uint8_t perms) override;
    void unmap(uint64_t port, uint64_t count) override;
    bool mapped(uint64_t port) const override { return port < 0x10000 && allows(uint16_t(port)); }

    uint8_t* low() const { return half_[0]; }
    uint8_t* high() const { return half_[1]; }
    bool allows(uint16_t port) const { return !(byte(port) >> (port % 8) & 1); }

private:
    uint8_t& byte(uint64_t port) const { return half_[port / 8 / HALF][port / 8 % HALF]; }
    void set(uint64_t port, uint64_t count, bool denied);

    uint8_t* const half_[2];
};

}  // namespace keel::x86
