// The I/O APIC (82093AA datasheet; version 0x11 as KVM's, 24 pins) at
// 0xfec00000: IOREGSEL at offset 0x00 selects a register that IOWIN at
// 0x10 reads and writes: the ID, the version, the arbitration ID and 24
// 64-bit redirection entries (two registers each, from index 0x10).
//
// Inputs are levels through set_irq(): asserted or not, whatever polarity
// the entry says (the VMM's devices report assertion, not wire voltage, as
// KVM and QEMU assume too). An edge-triggered entry delivers on each rising
// edge and loses edges while masked. A level-triggered one delivers while
// asserted, sets remote IRR and waits for the local APIC's EOI of its vector
// (eoi()); then, still asserted, it delivers again; masked, it delivers when
// unmasked if still asserted.
//
// Deliveries are messages the VMM collects with take_message() after each
// call and routes by LocalApic::addressed_by(); at most one waits per pin
// (edges on a pin whose message was not yet taken merge, as they would in
// the local APIC's IRR). Pure: unit-tested.
#pragma once
#include <stdint.h>

#include "vmm/devices/apic_message.hpp"

namespace keel::vmm::dev {

class IoApic {
public:
    static constexpr uint64_t BASE = 0xfec00000, SIZE = 0x1000;
    static constexpr uint32_t IOREGSEL = 0x00, IOWIN = 0x10;
    static constexpr unsigned PINS = 24;
    static constexpr uint32_t VERSION = 0x11 | (PINS - 1) << 16;  // the highest entry's index in bits 16-23
    // Register indexes behind IOWIN.
    static constexpr uint8_t ID_INDEX = 0x00, VERSION_INDEX = 0x01, ARBITRATION_INDEX = 0x02,
                             REDIRECTION_INDEX = 0x10;  // entry n: low dword at 0x10 + 2n, high at 0x11 + 2n
    static constexpr uint64_t MASKED = 1u << 16, REMOTE_IRR = 1u << 14, LEVEL_TRIGGERED = 1u << 15;

    explicit IoApic(uint8_t id);

    // A guest MMIO access at `offset`, size 1, 2 or 4. Within the dword of
    // IOREGSEL or IOWIN a read sees its bytes; elsewhere reads are 0. IOWIN
    // takes whole-dword writes only (half an entry is never delivered
    // from); a byte or word write at IOREGSEL sets the index from its low
    // byte. Unimplemented indexes read all ones (as KVM's); writes to them,
    // and to read-only fields, are dropped.
    uint32_t read(uint32_t offset, unsigned size) const;
    void write(uint32_t offset, unsigned size, uint32_t value);

    // A device's line; pins beyond PINS are ignored.
    void set_irq(unsigned pin, bool level);
    // A local APIC ended level-triggered `vector`: entries with it clear
    // remote IRR and deliver again if their line is still asserted.
    void eoi(uint8_t vector);
    // The next delivery, lowest pin first; false when none waits.
    bool take_message(ApicMessage& m);

    uint64_t redirection(unsigned pin) const { return pin < PINS ? entry_[pin] : 0; }
    uint8_t id() const { return id_; }

private:
    uint32_t read_register(uint8_t index) const;
    void write_register(uint8_t index, uint32_t value);
    void deliver(unsigned pin);
    void service_level(unsigned pin);  // a level entry's line asserted: deliver unless held

    uint64_t entry_[PINS];
    ApicMessage outbox_[PINS];
    uint32_t waiting_ = 0;  // pins with a message in outbox_
    uint32_t lines_ = 0;  // the inputs as they stand
    uint8_t id_;
    uint8_t select_ = 0;  // IOREGSEL
};

}  // namespace keel::vmm::dev
