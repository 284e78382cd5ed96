// The ACPI fixed hardware a guest's FADT points at (ports of the VMM's
// choosing): the PM1 event block (status, enable), the PM1 control block
// (SCI_EN always set: the platform is in ACPI mode from the start, so
// there is no SMI command port; SLP_EN with the S5 type powers the VM off)
// and the PM timer (3.579545 MHz, 24 bits, from the VMM's clock), which
// Linux also uses to calibrate the TSC.
//
// Registers are byte-addressed: PortBus splits wider accesses. Pure:
// unit-tested on the host.
#pragma once
#include <stdint.h>

namespace keel::vmm::dev {

class AcpiPm {
public:
    static constexpr uint16_t EVENT_BLOCK = 0x600, EVENT_LENGTH = 4;  // PM1a_EVT_BLK: status, enable
    static constexpr uint16_t CONTROL_BLOCK = 0x604, CONTROL_LENGTH = 2;  // PM1a_CNT_BLK
    static constexpr uint16_t TIMER_BLOCK = 0x608, TIMER_LENGTH = 4;  // PM_TMR_BLK
    static constexpr uint64_t TIMER_HZ = 3579545;
    static constexpr uint8_t S5_TYPE = 5;  // the DSDT's \_S5 package says so
    using PowerOff = void (*)(void* ctx);

    constexpr AcpiPm(PowerOff power_off, void* ctx) : power_off_(power_off), ctx_(ctx) {}

    uint8_t read(uint16_t port, uint64_t now_ns) const;
    void write(uint16_t port, uint8_t value, uint64_t now_ns);
    // The 24-bit counter at `now_ns`.
    static uint32_t timer(uint64_t now_ns);

private:
    PowerOff power_off_;
    void* ctx_;
    uint16_t status_ = 0, enable_ = 0;
    uint16_t control_ = 1;  // SCI_EN
};

}  // namespace keel::vmm::dev
