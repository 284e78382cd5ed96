#include "vmm/linux/pc_platform.hpp"

namespace keel::vmm::linux_vm {
namespace {

constexpr unsigned IRQ_PIT = 0, PIT_PIN = 2;
constexpr uint64_t FOUR_GIB = uint64_t(1) << 32;
// What a PC's firmware leaves in the local APIC: software-enabled with the
// spurious vector 0xff, LINT0 the 8259's virtual wire (ExtINT), LINT1 NMI.
constexpr uint32_t FIRMWARE_SVR = dev::LocalApic::SVR_ENABLE | 0xff, LINT0_EXTINT = 7u << 8, LINT1_NMI = 4u << 8;

}  // namespace

bool PcPlatform::init(uint64_t ram_bytes) {
    rtc_.set_memory(ram_bytes < FOUR_GIB ? ram_bytes : FOUR_GIB, ram_bytes > FOUR_GIB ? ram_bytes - FOUR_GIB : 0);
    (void)lapic_.write(dev::LocalApic::SVR, 4, FIRMWARE_SVR, 0);
    (void)lapic_.write(dev::LocalApic::LVT_LINT0, 4, LINT0_EXTINT, 0);
    (void)lapic_.write(dev::LocalApic::LVT_LINT1, 4, LINT1_NMI, 0);
    return bus_.add(0x3f8, 0x3ff, com1_io, this) && bus_.add(0x20, 0x21, pic_io, this) &&
           bus_.add(0xa0, 0xa1, pic_io, this) && bus_.add(0x4d0, 0x4d1, pic_io, this) &&
           bus_.add(0x40, 0x43, pit_io, this) && bus_.add(0x61, 0x61, pit_io, this) &&
           bus_.add(0x70, 0x71, rtc_io, this) && bus_.add(0x60, 0x60, i8042_io, this) &&
           bus_.add(0x64, 0x64, i8042_io, this) && bus_.add(0x80, 0x80, delay_io, this) &&
           bus_.add(dev::AcpiPm::EVENT_BLOCK, dev::AcpiPm::EVENT_BLOCK + dev::AcpiPm::EVENT_LENGTH - 1, acpi_io,
                    this) &&
           bus_.add(dev::AcpiPm::CONTROL_BLOCK, dev::AcpiPm::CONTROL_BLOCK + dev::AcpiPm::CONTROL_LENGTH - 1, acpi_io,
                    this) &&
           bus_.add(dev::AcpiPm::TIMER_BLOCK, dev::AcpiPm::TIMER_BLOCK + dev::AcpiPm::TIMER_LENGTH - 1, acpi_io,
                    this) &&
           bus_.add(0xcf8, 0xcfb, dev::PciHost::port_io, &pci_, false) &&
           bus_.add(0xcfc, 0xcff, dev::PciHost::port_io, &pci_, false) && pci_.add(host_bridge_.function());
}

uint32_t PcPlatform::read(uint16_t port, unsigned size, uint64_t now_ns) {
    now_ns_ = now_ns;
    return bus_.read(port, size);
}

void PcPlatform::write(uint16_t port, unsigned size, uint32_t value, uint64_t now_ns) {
    now_ns_ = now_ns;
    bus_.write(port, size, value);
}

void PcPlatform::update(uint64_t now_ns) {
    // Channel 0's output is an edge-triggered line: however many edges
    // passed since the guest last looked, it sees one interrupt (Linux
    // counts time by its clocksource, not by ticks).
    if (pit_.irq0_edges(now_ns)) {
        set_isa_irq(IRQ_PIT, true);
        set_isa_irq(IRQ_PIT, false);
    }
    lapic_.advance(now_ns);
}

bool PcPlatform::interrupt_pending() const { return lapic_.pending_vector() >= 0 || extint_pending(); }

uint8_t PcPlatform::acknowledge() {
    int vector = lapic_.pending_vector();
    if (vector >= 0 && lapic_.acknowledge(uint8_t(vector))) return uint8_t(vector);
    return pic_.acknowledge();
}

uint64_t PcPlatform::next_event_ns(uint64_t now_ns) const {
    uint64_t pit = pit_.next_irq0_ns(now_ns), timer = lapic_.next_event_ns(now_ns);
    static_assert(NEVER == dev::LocalApic::NEVER);
    return pit < timer ? pit : timer;
}

void PcPlatform::set_isa_irq(unsigned irq, bool level) {
    pic_.set_irq(irq, level);
    ioapic_.set_irq(irq == IRQ_PIT ? PIT_PIN : irq, level);
    route_io_apic();
}

void PcPlatform::route_io_apic() {
    dev::ApicMessage m;
    while (ioapic_.take_message(m)) route(m, false);
}

// Fixed and lowest-priority interrupts go to the local APIC they address
// (with one vCPU: it, or none); the rest no vCPU here acts on yet.
void PcPlatform::route(const dev::ApicMessage& m, bool from_self) {
    const bool interrupt = m.mode == dev::DeliveryMode::FIXED || m.mode == dev::DeliveryMode::LOWEST_PRIORITY;
    if (interrupt && lapic_.addressed_by(m, from_self))
        (void)lapic_.accept(m.vector, m.level_triggered);
    else if (!interrupt)
        ++dropped_messages_;
}

bool PcPlatform::mmio(uint64_t gpa, unsigned size, bool write, uint64_t& value, uint64_t now_ns) {
    now_ns_ = now_ns;
    if (gpa >= dev::LocalApic::BASE && gpa - dev::LocalApic::BASE < dev::LocalApic::SIZE) {
        uint32_t offset = uint32_t(gpa - dev::LocalApic::BASE);
        if (!write) {
            value = lapic_.read(offset, size, now_ns);
            return true;
        }
        dev::LocalApic::Effect e = lapic_.write(offset, size, uint32_t(value), now_ns);
        if (e.kind == dev::LocalApic::Effect::IPI) route(e.ipi, true);
        if (e.kind == dev::LocalApic::Effect::EOI && e.eoi.done && e.eoi.level_triggered) {
            // The assigned device's line first: the guest's handler quieted
            // the device (or the host's line will say it did not).
            if (device_line_ && uint8_t(ioapic_.redirection(device_gsi_)) == e.eoi.vector) {
                device_line_ = false;
                device_eoi_ = true;
                ioapic_.set_irq(device_gsi_, false);
            }
            ioapic_.eoi(e.eoi.vector);
            route_io_apic();
        }
        return true;
    }
    if (gpa >= dev::IoApic::BASE && gpa - dev::IoApic::BASE < dev::IoApic::SIZE) {
        uint32_t offset = uint32_t(gpa - dev::IoApic::BASE);
        if (write) {
            ioapic_.write(offset, size, uint32_t(value));
            route_io_apic();  // an unmasked level line delivers now
        } else {
            value = ioapic_.read(offset, size);
        }
        return true;
    }
    return false;
}

bool PcPlatform::attach_device(const dev::PciFunction& function, unsigned gsi) {
    if (device_attached_ || gsi >= dev::IoApic::PINS || !pci_.add(function)) return false;
    device_attached_ = true;
    device_gsi_ = gsi;
    return true;
}

void PcPlatform::raise_device_line() {
    if (!device_attached_ || device_line_) return;
    device_line_ = true;
    ioapic_.set_irq(device_gsi_, true);
    route_io_apic();
}

bool PcPlatform::device_may_interrupt() const {
    return device_attached_ && !device_line_ && !(ioapic_.redirection(device_gsi_) & dev::IoApic::MASKED);
}

bool PcPlatform::take_device_eoi() {
    bool eoi = device_eoi_;
    device_eoi_ = false;
    return eoi;
}

bool PcPlatform::com1_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.com1_.write(port, uint8_t(value));
    else
        value = pc.com1_.read(port);
    pc.set_isa_irq(dev::Uart16550::COM1_IRQ, pc.com1_.irq_level());
    return true;
}

bool PcPlatform::pic_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.pic_.write(port, uint8_t(value));
    else
        value = pc.pic_.read(port);
    return true;
}

bool PcPlatform::pit_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.pit_.write(port, uint8_t(value), pc.now_ns_);
    else
        value = pc.pit_.read(port, pc.now_ns_);
    return true;
}

bool PcPlatform::rtc_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.rtc_.write(port, uint8_t(value), pc.now_ns_);
    else
        value = pc.rtc_.read(port, pc.now_ns_);
    return true;
}

bool PcPlatform::i8042_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.i8042_.write(port, uint8_t(value));
    else
        value = pc.i8042_.read(port);
    pc.set_isa_irq(1, pc.i8042_.irq1_level());
    pc.set_isa_irq(12, pc.i8042_.irq12_level());
    return true;
}

bool PcPlatform::acpi_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.acpi_.write(port, uint8_t(value), pc.now_ns_);
    else
        value = pc.acpi_.read(port, pc.now_ns_);
    return true;
}

bool PcPlatform::delay_io(void*, uint16_t, unsigned, bool write, uint32_t& value) {
    if (!write) value = 0xff;
    return true;
}

}  // namespace keel::vmm::linux_vm
