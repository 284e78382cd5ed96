// libFuzzer target: a hostile guest at two vCPUs' local APICs and the I/O
// APIC. The input is a program of MMIO reads and writes (any offset, any
// size), device lines, clock steps, injections and EOIs, with every message
// routed as the VMM will: IPIs and I/O APIC deliveries to the local APICs
// they address, level-triggered EOIs back to the I/O APIC. Besides no crash
// and no undefined behaviour: every read fits its size; a pending vector is
// legal and above the PPR's class; the timer's current count never exceeds
// its initial count; its next event is not in the past and exact (the
// timer's vector is requested then, and not a nanosecond earlier); no
// redirection entry shows delivery status, nor remote IRR unless it is
// level-triggered.
#include <cstdint>
#include <cstdlib>

#include "tests/fuzz/fuzz_input.hpp"
#include "vmm/devices/io_apic.hpp"
#include "vmm/devices/local_apic.hpp"

using namespace keel::vmm::dev;

namespace {

using keel::fuzz::Input;

constexpr unsigned CPUS = 2;
constexpr unsigned SIZES[8] = {4, 4, 4, 4, 1, 2, 8, 3};

struct Machine {
    uint64_t now = 0;
    LocalApic apic[CPUS] = {LocalApic(0), LocalApic(1)};
    IoApic io{CPUS};

    void route(const ApicMessage& m, int sender) {
        bool lowest_taken = false;
        for (unsigned i = 0; i < CPUS; ++i) {
            if (!apic[i].addressed_by(m, int(i) == sender)) continue;
            if (m.mode == DeliveryMode::FIXED) apic[i].accept(m.vector, m.level_triggered);
            if (m.mode == DeliveryMode::LOWEST_PRIORITY && !lowest_taken)
                lowest_taken = apic[i].accept(m.vector, m.level_triggered);
            if (m.mode == DeliveryMode::INIT && !m.init_deassert()) apic[i].reset();
        }
    }

    void effect(const LocalApic::Effect& e, unsigned sender) {
        if (e.kind == LocalApic::Effect::IPI) route(e.ipi, int(sender));
        if (e.kind == LocalApic::Effect::EOI && e.eoi.level_triggered) io.eoi(e.eoi.vector);
    }

    void collect() {
        ApicMessage m;
        for (unsigned n = 0; io.take_message(m); ++n) {
            if (n >= IoApic::PINS) abort();  // at most one message per pin
            route(m, -1);
        }
    }

    void check() {
        for (LocalApic& a : apic) {
            int v = a.pending_vector();
            if (v >= 0 && (v < 16 || v > 255 || (v & 0xf0) <= (a.ppr() & 0xf0))) abort();
            if (a.timer_current(now) > a.read(LocalApic::TIMER_INITIAL, 4, now)) abort();
        }
        for (unsigned pin = 0; pin < IoApic::PINS; ++pin) {
            uint64_t e = io.redirection(pin);
            if (e & (1u << 12)) abort();
            if ((e & IoApic::REMOTE_IRR) && !(e & IoApic::LEVEL_TRIGGERED)) abort();
        }
    }

    // The timer's next event, checked on copies.
    void check_next_event(unsigned i) {
        LocalApic& a = apic[i];
        a.advance(now);
        uint64_t next = a.next_event_ns(now);
        if (next == LocalApic::NEVER) return;
        if (next < now) abort();
        uint32_t lvt = a.read(LocalApic::LVT_TIMER, 4, now);
        uint8_t vector = uint8_t(lvt);
        if (vector < 16 || !a.software_enabled()) return;
        uint32_t irr = LocalApic::IRR + 0x10 * (vector >> 5), bit = 1u << (vector & 31);
        if (a.read(irr, 4, now) & bit) return;  // requested already: nothing to tell apart
        LocalApic early = a, due = a;
        if (next > now && (early.read(irr, 4, next - 1) & bit)) abort();
        if (!(due.read(irr, 4, next) & bit)) abort();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in{data, size};
    Machine m;
    while (in.size) {
        uint8_t op = in.u8();
        switch (op % 10) {
        case 0:
        case 1: {  // a local APIC access: offset in 16-byte slots, now and then off the grid or the page
            uint8_t how = in.u8();
            unsigned cpu = how & 1, access = SIZES[how >> 1 & 7];
            uint32_t offset = uint32_t(in.u8()) << 4 | (how & 0x80 ? how >> 4 & 7 : 0) | (how & 0x10 ? 0x1000 : 0);
            if (op % 10 == 0) {
                m.effect(m.apic[cpu].write(offset, access, in.u32(), m.now), cpu);
            } else {
                uint32_t v = m.apic[cpu].read(offset, access, m.now);
                if (access < 4 && v >> (8 * access)) abort();
            }
            break;
        }
        case 2: {  // the clock moves on: nanoseconds to hours
            uint64_t step = uint64_t(in.u32()) << (in.u8() % 21);
            if (m.now + step > (uint64_t(1) << 62)) break;
            m.now += step;
            for (LocalApic& a : m.apic) a.advance(m.now);
            break;
        }
        case 3: {  // a device line, pins beyond 23 included
            uint8_t b = in.u8();
            m.io.set_irq(b & 0x1f, b & 0x80);
            break;
        }
        case 4:
        case 5: {  // an I/O APIC access
            uint8_t how = in.u8();
            unsigned access = SIZES[how & 7];
            uint32_t offset = how & 0x80 ? in.u8() : (how & 0x08 ? IoApic::IOWIN : IoApic::IOREGSEL);
            if (op % 10 == 4) {
                m.io.write(offset, access, in.u32());
            } else {
                uint32_t v = m.io.read(offset, access);
                if (access < 4 && v >> (8 * access)) abort();
            }
            break;
        }
        case 6: {  // the VMM injects what is pending
            LocalApic& a = m.apic[in.u8() & 1];
            int v = a.pending_vector();
            if (v >= 0 && !a.acknowledge(uint8_t(v))) abort();
            break;
        }
        case 7: {  // the guest's EOI
            unsigned cpu = in.u8() & 1;
            m.effect(m.apic[cpu].write(LocalApic::EOI, 4, 0, m.now), cpu);
            break;
        }
        case 8: {  // an IPI
            unsigned cpu = in.u8() & 1;
            m.apic[cpu].write(LocalApic::ICR_HIGH, 4, uint32_t(in.u8()) << 24, m.now);
            m.effect(m.apic[cpu].write(LocalApic::ICR_LOW, 4, in.u32(), m.now), cpu);
            break;
        }
        default: m.check_next_event(in.u8() & 1); break;
        }
        m.collect();
        m.check();
    }
    return 0;
}
