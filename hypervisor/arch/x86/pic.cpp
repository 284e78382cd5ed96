#include "pic.hpp"

#include "cpu.hpp"

namespace keel::x86::pic {

void disable() {
    constexpr uint16_t MASTER_CMD = 0x20, MASTER_DATA = 0x21, SLAVE_CMD = 0xa0, SLAVE_DATA = 0xa1;
    outb(MASTER_CMD, 0x11);  // ICW1: init, expect ICW4
    outb(SLAVE_CMD, 0x11);
    outb(MASTER_DATA, 0x20);  // ICW2: vectors 0x20..0x27
    outb(SLAVE_DATA, 0x28);  //       vectors 0x28..0x2f
    outb(MASTER_DATA, 0x04);  // ICW3: slave on IRQ2
    outb(SLAVE_DATA, 0x02);
    outb(MASTER_DATA, 0x01);  // ICW4: 8086 mode
    outb(SLAVE_DATA, 0x01);
    outb(MASTER_DATA, 0xff);  // mask everything
    outb(SLAVE_DATA, 0xff);
}

}  // namespace keel::x86::pic
