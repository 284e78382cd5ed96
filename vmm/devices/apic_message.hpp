// An interrupt message on the (virtual) APIC bus: what a local APIC's ICR
// sends and what an I/O APIC's redirection entry delivers. The models only
// produce messages; the VMM routes each to the local APICs that
// LocalApic::addressed_by() says it reaches (the bus has no behaviour of its
// own), so both models stay free of each other and of the VMM.
#pragma once
#include <stdint.h>

namespace keel::vmm::dev {

// The delivery mode field (bits 8-10) of the ICR, LVT and redirection
// entries; 3 is reserved.
enum class DeliveryMode : uint8_t {
    FIXED = 0,
    LOWEST_PRIORITY = 1,
    SMI = 2,
    NMI = 4,
    INIT = 5,
    STARTUP = 6,
    EXTINT = 7,
};

// The ICR's destination shorthand (bits 18-19); an I/O APIC sends NONE.
enum class Shorthand : uint8_t { NONE = 0, SELF = 1, ALL_INCLUDING_SELF = 2, ALL_EXCLUDING_SELF = 3 };

struct ApicMessage {
    uint8_t vector = 0;  // STARTUP: the page number of the AP's start address
    DeliveryMode mode = DeliveryMode::FIXED;
    bool logical = false;  // the destination is a logical (LDR) mask, not an APIC ID
    bool asserted = true;  // the ICR's level bit: clear only for INIT level de-assert
    bool level_triggered = false;
    Shorthand shorthand = Shorthand::NONE;
    uint8_t destination = 0;  // 0xff: every APIC (physical) or every logical bit
    uint8_t source = 0;  // the sending local APIC's ID (an I/O APIC's message: its ID)

    // The INIT that only synchronises arbitration IDs: no CPU is reset by it.
    bool init_deassert() const { return mode == DeliveryMode::INIT && !asserted && level_triggered; }
};

}  // namespace keel::vmm::dev
