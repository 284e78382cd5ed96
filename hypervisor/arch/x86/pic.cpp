#include "pic.hpp"

#include "cpu.hpp"
#include "idt.hpp"
#include "lapic.hpp"

namespace keel::x86::pic {
namespace {
constexpr uint16_t MASTER_CMD = 0x20, MASTER_DATA = 0x21, SLAVE_CMD = 0xa0, SLAVE_DATA = 0xa1;
constexpr uint8_t EOI = 0x20;
constexpr uint8_t VECTOR_BASE = 0x20;
// Masked PICs still raise spurious IRQ 7/15 on real chipsets (a glitch on
// a line); they must not look like CPU exceptions or be acknowledged at the
// PIC. The same vectors sent as an IPI or MSI are the local APIC's to
// acknowledge, or they would block their whole priority class.
void on_spurious_master(InterruptFrame& f) { lapic::eoi_if_in_service(uint8_t(f.vector)); }
void on_spurious_slave(InterruptFrame& f) {
    outb(MASTER_CMD, EOI);  // the master did see its cascade line
    lapic::eoi_if_in_service(uint8_t(f.vector));
}
}  // namespace

void disable() {
    idt::set_handler(VECTOR_BASE + 7, on_spurious_master);
    idt::set_handler(VECTOR_BASE + 15, on_spurious_slave);
    outb(MASTER_CMD, 0x11);  // ICW1: init, expect ICW4
    outb(SLAVE_CMD, 0x11);
    outb(MASTER_DATA, VECTOR_BASE);  // ICW2: vectors 0x20..0x27
    outb(SLAVE_DATA, VECTOR_BASE + 8);  //       vectors 0x28..0x2f
    outb(MASTER_DATA, 0x04);  // ICW3: slave on IRQ2
    outb(SLAVE_DATA, 0x02);
    outb(MASTER_DATA, 0x01);  // ICW4: 8086 mode
    outb(SLAVE_DATA, 0x01);
    outb(MASTER_DATA, 0xff);  // mask everything
    outb(SLAVE_DATA, 0xff);
}

}  // namespace keel::x86::pic
