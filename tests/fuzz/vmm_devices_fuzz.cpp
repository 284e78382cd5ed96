// libFuzzer target: a hostile guest at the VMM's legacy devices. The input
// is a program of port accesses (through the PortBus a VMM's IOIO exit
// handler uses), clock steps, host input, interrupt lines and INTA cycles.
// Besides no crash and no undefined behaviour: every read fits its size;
// INTA always yields a vector of a programmed chip's range (IRQ 7 of the
// master when nothing is pending); the UART's FIFO stays bounded; the PIT's
// next IRQ 0 time is in the future and exact (an edge is due then, and not a
// nanosecond earlier); the CMOS never reports an update in progress.
#include <cstdint>
#include <cstdlib>

#include "tests/fuzz/fuzz_input.hpp"
#include "vmm/devices/cmos_rtc.hpp"
#include "vmm/devices/i8042.hpp"
#include "vmm/devices/pci_host.hpp"
#include "vmm/devices/pic8259.hpp"
#include "vmm/devices/pit8254.hpp"
#include "vmm/devices/port_bus.hpp"
#include "vmm/devices/uart16550.hpp"

using namespace keel::vmm::dev;

namespace {

using keel::fuzz::Input;

struct Machine {
    uint64_t now = 0;
    unsigned resets = 0;
    Uart16550 uart{[](uint8_t, void*) {}, nullptr};
    Pic8259 pic;
    Pit8254 pit;
    CmosRtc rtc{1796651000};
    I8042 kbc{[](void* ctx) { ++static_cast<Machine*>(ctx)->resets; }, this};
    PciHost pci;
    PciHostBridge bridge;
    PortBus bus;

    Machine() {
        auto uart_io = [](void* c, uint16_t port, unsigned, bool write, uint32_t& v) {
            auto* m = static_cast<Machine*>(c);
            if (write)
                m->uart.write(port, uint8_t(v));
            else
                v = m->uart.read(port);
            return true;
        };
        auto pic_io = [](void* c, uint16_t port, unsigned, bool write, uint32_t& v) {
            auto* m = static_cast<Machine*>(c);
            if (write)
                m->pic.write(port, uint8_t(v));
            else
                v = m->pic.read(port);
            return true;
        };
        auto pit_io = [](void* c, uint16_t port, unsigned, bool write, uint32_t& v) {
            auto* m = static_cast<Machine*>(c);
            if (write)
                m->pit.write(port, uint8_t(v), m->now);
            else
                v = m->pit.read(port, m->now);
            return true;
        };
        auto rtc_io = [](void* c, uint16_t port, unsigned, bool write, uint32_t& v) {
            auto* m = static_cast<Machine*>(c);
            if (write)
                m->rtc.write(port, uint8_t(v), m->now);
            else
                v = m->rtc.read(port, m->now);
            return true;
        };
        auto kbc_io = [](void* c, uint16_t port, unsigned, bool write, uint32_t& v) {
            auto* m = static_cast<Machine*>(c);
            if (write)
                m->kbc.write(port, uint8_t(v));
            else
                v = m->kbc.read(port);
            return true;
        };
        bool ok = bus.add(0x3f8, 0x3ff, uart_io, this) && bus.add(0x20, 0x21, pic_io, this) &&
                  bus.add(0xa0, 0xa1, pic_io, this) && bus.add(0x4d0, 0x4d1, pic_io, this) &&
                  bus.add(0x40, 0x43, pit_io, this) && bus.add(0x61, 0x61, pit_io, this) &&
                  bus.add(0x70, 0x71, rtc_io, this) && bus.add(0x60, 0x60, kbc_io, this) &&
                  bus.add(0x64, 0x64, kbc_io, this) && bus.add(0xcf8, 0xcfb, PciHost::port_io, &pci, false) &&
                  bus.add(0xcfc, 0xcff, PciHost::port_io, &pci, false) && pci.add(bridge.function());
        if (!ok) abort();
        rtc.set_memory(512u << 20, 0);
    }

    // What the VMM does after each exit: device outputs onto the PIC's lines.
    void wire() {
        pic.set_irq(4, uart.irq_level());
        pic.set_irq(1, kbc.irq1_level());
        pic.set_irq(12, kbc.irq12_level());
        if (pit.irq0_edges(now)) {
            pic.set_irq(0, true);
            pic.set_irq(0, false);
        }
    }

    void check_next_irq0() {
        pit.irq0_edges(now);
        uint64_t next = pit.next_irq0_ns(now);
        if (next == Pit8254::NEVER) return;
        if (next <= now) abort();  // every due edge was just reported
        Pit8254 early = pit, due = pit;
        if (early.irq0_edges(next - 1) != 0 || due.irq0_edges(next) == 0) abort();
    }

    void inta() {
        bool pending = pic.interrupt_pending();
        uint8_t v = pic.acknowledge();
        uint8_t m = pic.vector_base(0), s = pic.vector_base(1);
        bool in_master = v >= m && v <= m + 7, in_slave = v >= s && v <= s + 7;
        if (!in_master && !in_slave) abort();
        if (!pending && v != m + 7) abort();
    }
};

constexpr uint16_t PORTS[] = {0x20,  0x21,  0xa0,  0xa1,  0x4d0, 0x4d1, 0x40,  0x41,  0x42,  0x43,  0x61,
                              0x70,  0x71,  0x60,  0x64,  0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe,
                              0x3ff, 0xcf8, 0xcf9, 0xcfa, 0xcfb, 0xcfc, 0xcfd, 0xcfe, 0xcff, 0x80,  0xffff};
constexpr size_t PORT_COUNT = sizeof(PORTS) / sizeof(PORTS[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in{data, size};
    Machine m;
    while (in.size) {
        uint8_t op = in.u8();
        switch (op % 8) {
        case 0:
        case 1:
        case 2: {  // a port access
            uint8_t which = in.u8(), how = in.u8();
            uint16_t port = which < PORT_COUNT ? PORTS[which] : uint16_t(which << 8 | in.u8());
            unsigned size = 1u << ((how & 0x7f) % 3);
            if (how & 0x80) {
                m.bus.write(port, size, in.u32());
            } else {
                uint32_t v = m.bus.read(port, size);
                if (size < 4 && v >> (8 * size)) abort();
            }
            m.wire();
            break;
        }
        case 3: {  // the clock moves on: nanoseconds to hours
            uint64_t step = uint64_t(in.u32()) << (in.u8() % 21);
            if (m.now + step < m.now || m.now + step > (uint64_t(1) << 62)) break;
            m.now += step;
            m.wire();
            m.check_next_irq0();
            break;
        }
        case 4:  // host input for the guest
            m.uart.receive(in.u8());
            if (m.uart.rx_queued() > Uart16550::FIFO_SIZE) abort();
            m.wire();
            break;
        case 5: {  // another device's line
            uint8_t b = in.u8();
            m.pic.set_irq(b & 31, b & 0x20);
            break;
        }
        case 6: m.inta(); break;
        default: m.check_next_irq0(); break;
        }
        if (m.uart.rx_queued() > Uart16550::FIFO_SIZE) abort();
        // UIP never set, whatever register A was written.
        m.bus.write(0x70, 1, 0x0a);
        if (m.bus.read(0x71, 1) & 0x80) abort();
    }
    return 0;
}
