#include "vmm/devices/io_apic.hpp"

namespace keel::vmm::dev {
namespace {

// The bits of a redirection entry the guest may write: vector, delivery
// mode, destination mode, polarity, trigger mode, mask (low dword) and the
// destination (bits 56-63). Delivery status (bit 12) reads idle: a message
// leaves at once. Remote IRR (bit 14) is the EOI handshake's.
constexpr uint32_t LOW_WRITABLE = 0x0001afff;
constexpr uint32_t HIGH_WRITABLE = 0xff000000;
constexpr uint32_t ID_FIELD = 0x0f000000;  // a 4-bit APIC ID in bits 24-27

}  // namespace

IoApic::IoApic(uint8_t id) : id_(id & 0x0f) {
    for (uint64_t& e : entry_) e = MASKED;
}

uint32_t IoApic::read(uint32_t offset, unsigned size) const {
    if (size != 1 && size != 2 && size != 4) return 0;
    uint32_t base = offset & ~3u, within = offset & 3;
    if (within + size > 4) return 0;
    uint32_t value;
    if (base == IOREGSEL)
        value = select_;
    else if (base == IOWIN)
        value = read_register(select_);
    else
        return 0;
    value >>= 8 * within;
    return size == 4 ? value : value & ((1u << (8 * size)) - 1);
}

void IoApic::write(uint32_t offset, unsigned size, uint32_t value) {
    if (offset == IOREGSEL && (size == 1 || size == 2 || size == 4))
        select_ = uint8_t(value);
    else if (offset == IOWIN && size == 4)
        write_register(select_, value);
}

uint32_t IoApic::read_register(uint8_t index) const {
    switch (index) {
    case ID_INDEX: return uint32_t(id_) << 24;
    case VERSION_INDEX: return VERSION;
    case ARBITRATION_INDEX: return uint32_t(id_) << 24;  // loaded from the ID; nothing arbitrates here
    default: break;
    }
    unsigned pin = (index - REDIRECTION_INDEX) / 2u;
    if (index < REDIRECTION_INDEX || pin >= PINS) return ~0u;
    return uint32_t(index & 1 ? entry_[pin] >> 32 : entry_[pin]);
}

void IoApic::write_register(uint8_t index, uint32_t value) {
    if (index == ID_INDEX) {
        id_ = uint8_t((value & ID_FIELD) >> 24);
        return;
    }
    unsigned pin = (index - REDIRECTION_INDEX) / 2u;
    if (index < REDIRECTION_INDEX || pin >= PINS) return;
    uint64_t& e = entry_[pin];
    if (index & 1) {
        e = (e & 0xffffffffu) | uint64_t(value & HIGH_WRITABLE) << 32;
        return;
    }
    e = (e & ~uint64_t(LOW_WRITABLE)) | (value & LOW_WRITABLE);
    // Remote IRR belongs to level-triggered entries: made edge-triggered,
    // an entry forgets it (as KVM does, and as Linux's EOI for I/O APICs
    // without an EOI register relies on).
    if (!(e & LEVEL_TRIGGERED)) e &= ~REMOTE_IRR;
    // Unmasked (or made level-triggered) with its line asserted: deliver.
    service_level(pin);
}

void IoApic::set_irq(unsigned pin, bool level) {
    if (pin >= PINS) return;
    uint32_t bit = 1u << pin;
    bool rising = level && !(lines_ & bit);
    lines_ = level ? lines_ | bit : lines_ & ~bit;
    if (entry_[pin] & LEVEL_TRIGGERED)
        service_level(pin);
    else if (rising && !(entry_[pin] & MASKED))
        deliver(pin);
}

void IoApic::service_level(unsigned pin) {
    uint64_t e = entry_[pin];
    if (!(e & LEVEL_TRIGGERED) || (e & (MASKED | REMOTE_IRR)) || !(lines_ >> pin & 1)) return;
    entry_[pin] |= REMOTE_IRR;
    deliver(pin);
}

void IoApic::eoi(uint8_t vector) {
    for (unsigned pin = 0; pin < PINS; ++pin) {
        uint64_t& e = entry_[pin];
        if (uint8_t(e) != vector || !(e & LEVEL_TRIGGERED) || !(e & REMOTE_IRR)) continue;
        e &= ~REMOTE_IRR;
        service_level(pin);
    }
}

void IoApic::deliver(unsigned pin) {
    uint64_t e = entry_[pin];
    ApicMessage& m = outbox_[pin];
    m.vector = uint8_t(e);
    m.mode = DeliveryMode(e >> 8 & 7);
    m.logical = e >> 11 & 1;
    m.asserted = true;
    m.level_triggered = e & LEVEL_TRIGGERED;
    m.shorthand = Shorthand::NONE;
    m.destination = uint8_t(e >> 56);
    m.source = id_;
    waiting_ |= 1u << pin;
}

bool IoApic::take_message(ApicMessage& m) {
    if (!waiting_) return false;
    unsigned pin = unsigned(__builtin_ctz(waiting_));
    waiting_ &= waiting_ - 1;
    m = outbox_[pin];
    return true;
}

}  // namespace keel::vmm::dev
