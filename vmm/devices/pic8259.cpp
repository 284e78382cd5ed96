#include "vmm/devices/pic8259.hpp"

namespace keel::vmm::dev {

namespace {
constexpr unsigned CASCADE = 2;
// The lines the ELCR can make level-triggered: the timer, keyboard, cascade,
// RTC and FPU error are edge-only on every chipset that has one.
constexpr uint8_t ELCR_MASK[2] = {0xf8, 0xde};
}  // namespace

int Pic8259::Chip::highest(uint8_t bits) const {
    for (unsigned i = 1; i <= 8; ++i) {
        unsigned line = (lowest + i) & 7;
        if (bits & (1u << line)) return int(line);
    }
    return -1;
}

// A request is served when it outranks everything in service. Special mask
// mode lets masked in-service lines stop blocking; special fully nested mode
// lets a slave's higher-priority request through while the cascade line is in
// service.
int Pic8259::Chip::pending(bool master) const {
    int request = highest(irr & ~imr);
    if (request < 0) return -1;
    uint8_t blocking = isr;
    if (special_mask) blocking &= ~imr;
    if (master && fully_nested) blocking &= uint8_t(~(1u << CASCADE));
    int in_service = highest(blocking);
    if (in_service < 0) return request;
    // Priority is distance from the line after the lowest one.
    unsigned rank_request = (unsigned(request) - lowest - 1) & 7;
    unsigned rank_service = (unsigned(in_service) - lowest - 1) & 7;
    return rank_request < rank_service ? request : -1;
}

void Pic8259::Chip::input(unsigned n, bool level) {
    uint8_t bit = uint8_t(1u << n);
    bool was = line & bit;
    line = level ? uint8_t(line | bit) : uint8_t(line & ~bit);
    if (elcr & bit) {
        irr = level ? uint8_t(irr | bit) : uint8_t(irr & ~bit);
    } else if (level && !was) {
        irr |= bit;
    }
}

void Pic8259::Chip::ack(unsigned n) {
    uint8_t bit = uint8_t(1u << n);
    if (auto_eoi) {
        if (rotate_on_auto_eoi) lowest = uint8_t(n);
    } else {
        isr |= bit;
    }
    // A level-triggered request stays in IRR while its line is high.
    if (!(elcr & bit) || !(line & bit)) irr &= uint8_t(~bit);
}

void Pic8259::Chip::command(uint8_t value) {
    if (value & 0x10) {  // ICW1: everything but the ELCR starts afresh
        uint8_t keep_elcr = elcr, level_lines = uint8_t(line & elcr);
        *this = Chip{};
        elcr = keep_elcr;
        // An edge-triggered line must rise again after initialisation; a
        // level-triggered one requests for as long as it is high.
        line = irr = level_lines;
        init_step = 2;
        expect_icw4 = value & 1;
        single = value & 2;
        return;
    }
    if (value & 0x08) {  // OCW3
        if (value & 0x02) read_isr = value & 1;
        if (value & 0x40) special_mask = value & 0x20;
        poll = value & 0x04;
        return;
    }
    // OCW2: the three high bits are R, SL, EOI.
    unsigned level = value & 7;
    switch (value >> 5) {
    case 0: rotate_on_auto_eoi = false; return;
    case 4: rotate_on_auto_eoi = true; return;
    case 1:  // non-specific EOI: the highest priority in service
    case 5: {  // and rotate
        int n = highest(isr);
        if (n < 0) return;
        isr &= uint8_t(~(1u << n));
        if (value >> 5 == 5) lowest = uint8_t(n);
        return;
    }
    case 3: isr &= uint8_t(~(1u << level)); return;  // specific EOI
    case 6: lowest = uint8_t(level); return;  // set priority
    case 7:  // specific EOI and rotate
        isr &= uint8_t(~(1u << level));
        lowest = uint8_t(level);
        return;
    default: return;  // 2: no operation
    }
}

void Pic8259::Chip::data(uint8_t value) {
    switch (init_step) {
    case 2:  // ICW2: the vector base; its low three bits are the line's
        vector_base = value & 0xf8;
        init_step = single ? (expect_icw4 ? 4 : 0) : 3;
        return;
    case 3:  // ICW3: the cascade wiring, fixed on a PC
        init_step = expect_icw4 ? 4 : 0;
        return;
    case 4:  // ICW4
        auto_eoi = value & 2;
        fully_nested = value & 0x10;
        init_step = 0;
        return;
    default: imr = value; return;  // OCW1
    }
}

void Pic8259::cascade() { chip_[0].input(CASCADE, chip_[1].pending(false) >= 0); }

void Pic8259::set_irq(unsigned irq, bool level) {
    if (irq >= 16) return;
    chip_[irq >> 3].input(irq & 7, level);
    cascade();
}

bool Pic8259::interrupt_pending() const { return chip_[0].pending(true) >= 0; }

// INTA. With nothing to serve (the request fell before the CPU answered) the
// chip answers IRQ 7 of the chip that was asked and sets no ISR bit: the
// spurious interrupt Linux checks for.
uint8_t Pic8259::acknowledge() {
    Chip& master = chip_[0];
    Chip& slave = chip_[1];
    int line = master.pending(true);
    if (line < 0) return uint8_t(master.vector_base + 7);
    uint8_t vector;
    if (unsigned(line) == CASCADE) {
        int slave_line = slave.pending(false);
        if (slave_line >= 0) {
            slave.ack(unsigned(slave_line));
            vector = uint8_t(slave.vector_base + slave_line);
        } else {
            vector = uint8_t(slave.vector_base + 7);
        }
    } else {
        vector = uint8_t(master.vector_base + line);
    }
    master.ack(unsigned(line));
    cascade();
    return vector;
}

// Poll mode: the read is the acknowledge, answered with 0x80 | line.
uint8_t Pic8259::poll(unsigned n) {
    Chip& c = chip_[n];
    c.poll = false;
    int line = c.pending(n == 0);
    if (line < 0) return 0;
    c.ack(unsigned(line));
    cascade();
    return uint8_t(0x80 | line);
}

uint8_t Pic8259::read(uint16_t port) {
    switch (port) {
    case 0x20:
    case 0xa0: {
        unsigned n = port == 0xa0;
        if (chip_[n].poll) return poll(n);
        return chip_[n].read_isr ? chip_[n].isr : chip_[n].irr;
    }
    case 0x21:
    case 0xa1: {
        unsigned n = port == 0xa1;
        if (chip_[n].poll) return poll(n);
        return chip_[n].imr;
    }
    case 0x4d0: return chip_[0].elcr;
    case 0x4d1: return chip_[1].elcr;
    default: return 0xff;
    }
}

void Pic8259::write(uint16_t port, uint8_t value) {
    switch (port) {
    case 0x20: chip_[0].command(value); break;
    case 0x21: chip_[0].data(value); break;
    case 0xa0: chip_[1].command(value); break;
    case 0xa1: chip_[1].data(value); break;
    case 0x4d0:
    case 0x4d1: {
        Chip& c = chip_[port & 1];
        c.elcr = value & ELCR_MASK[port & 1];
        // A line switched to level now requests exactly while it is high.
        c.irr = uint8_t((c.irr & ~c.elcr) | (c.line & c.elcr));
        break;
    }
    default: return;
    }
    cascade();
}

}  // namespace keel::vmm::dev
