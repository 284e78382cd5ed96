// The PC's pair of 8259A interrupt controllers: the master at 0x20/0x21, the
// slave at 0xa0/0xa1 cascaded on the master's IRQ 2, and the ELCR at
// 0x4d0/0x4d1 that makes lines level-triggered. Lines come in through
// set_irq(); the VMM asks interrupt_pending() before it may inject, and
// acknowledge() is the INTA cycle that yields the vector.
//
// Ports are 8-bit; wider accesses are split by PortBus. Pure: unit-tested.
#pragma once
#include <stdint.h>

namespace keel::vmm::dev {

class Pic8259 {
public:
    void set_irq(unsigned irq, bool level);  // irq 0-15; others are ignored
    bool interrupt_pending() const;
    uint8_t acknowledge();

    uint8_t read(uint16_t port);  // 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1
    void write(uint16_t port, uint8_t value);

    // For tests and the VMM's diagnostics: the master's (0) or slave's (1) state.
    uint8_t irr(unsigned chip) const { return chip_[chip & 1].irr; }
    uint8_t isr(unsigned chip) const { return chip_[chip & 1].isr; }
    uint8_t imr(unsigned chip) const { return chip_[chip & 1].imr; }
    uint8_t vector_base(unsigned chip) const { return chip_[chip & 1].vector_base; }

private:
    struct Chip {
        uint8_t irr = 0, isr = 0, imr = 0;
        uint8_t line = 0;  // the input lines as they stand, for edge detection
        uint8_t elcr = 0;  // level-triggered lines
        uint8_t lowest = 7;  // the line of lowest priority: rotation moves it
        uint8_t vector_base = 0;
        uint8_t init_step = 0;  // the ICW expected next on the data port, 0 when initialised
        bool expect_icw4 = false, single = false;
        bool auto_eoi = false, rotate_on_auto_eoi = false;
        bool read_isr = false, poll = false, special_mask = false;
        bool fully_nested = false;  // the master's special fully nested mode

        int highest(uint8_t bits) const;  // the highest-priority line set in bits, or -1
        int pending(bool master) const;  // the line to serve, or -1
        void input(unsigned line, bool level);
        void ack(unsigned line);
        void command(uint8_t value);
        void data(uint8_t value);
    };

    void cascade();  // the slave's output onto the master's IRQ 2
    uint8_t poll(unsigned chip);

    Chip chip_[2];
};

}  // namespace keel::vmm::dev
