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
    // The firmware programs the bootstrap processor's APIC only; the
    // application processors' stay as reset left them (LVTs masked).
    (void)lapics_[0].write(dev::LocalApic::SVR, 4, FIRMWARE_SVR, 0);
    (void)lapics_[0].write(dev::LocalApic::LVT_LINT0, 4, LINT0_EXTINT, 0);
    (void)lapics_[0].write(dev::LocalApic::LVT_LINT1, 4, LINT1_NMI, 0);
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
    for (unsigned v = 0; v < vcpus_; ++v) {
        const bool was = lapics_[v].pending_vector() >= 0;
        lapics_[v].advance(now_ns);
        if (!was && lapics_[v].pending_vector() >= 0) kicks_ |= 1u << v;
    }
}

bool PcPlatform::interrupt_pending(unsigned vcpu) const {
    return vcpu < vcpus_ && (lapics_[vcpu].pending_vector() >= 0 || extint_pending(vcpu));
}

uint8_t PcPlatform::acknowledge(unsigned vcpu) {
    int vector = lapics_[vcpu].pending_vector();
    if (vector >= 0 && lapics_[vcpu].acknowledge(uint8_t(vector))) return uint8_t(vector);
    return pic_.acknowledge();
}

uint64_t PcPlatform::next_event_ns(unsigned vcpu, uint64_t now_ns) const {
    static_assert(NEVER == dev::LocalApic::NEVER);
    if (vcpu >= vcpus_) return NEVER;
    uint64_t timer = lapics_[vcpu].next_event_ns(now_ns);
    if (vcpu != 0) return timer;
    uint64_t pit = pit_.next_irq0_ns(now_ns);
    return pit < timer ? pit : timer;
}

void PcPlatform::set_isa_irq(unsigned irq, bool level) {
    pic_.set_irq(irq, level);
    if (extint_pending(0)) kicks_ |= 1;  // the 8259's output is vCPU 0's LINT0
    ioapic_.set_irq(irq == IRQ_PIT ? PIT_PIN : irq, level);
    route_io_apic();
}

void PcPlatform::route_io_apic() {
    dev::ApicMessage m;
    while (ioapic_.take_message(m)) route(m, MAX_VCPUS);
}

// A fixed interrupt goes to every local APIC it addresses, a
// lowest-priority one to the addressed APIC with the lowest arbitration
// priority; INIT and start-up messages start application processors; the
// rest (NMI, SMI) no vCPU here acts on.
void PcPlatform::route(const dev::ApicMessage& m, unsigned sender) {
    if (m.init_deassert()) return;  // arbitration IDs only
    if (m.mode == dev::DeliveryMode::LOWEST_PRIORITY) {
        unsigned chosen = MAX_VCPUS;
        for (unsigned v = 0; v < vcpus_; ++v)
            if (lapics_[v].addressed_by(m, v == sender) &&
                (chosen == MAX_VCPUS || lapics_[v].apr() < lapics_[chosen].apr()))
                chosen = v;
        if (chosen != MAX_VCPUS) deliver(chosen, m);
        return;
    }
    bool reached = false;
    for (unsigned v = 0; v < vcpus_; ++v)
        if (lapics_[v].addressed_by(m, v == sender)) {
            deliver(v, m);
            reached = true;
        }
    if (!reached && m.mode != dev::DeliveryMode::FIXED) ++dropped_messages_;
}

void PcPlatform::deliver(unsigned vcpu, const dev::ApicMessage& m) {
    ApStart& ap = start_[vcpu];
    switch (m.mode) {
    case dev::DeliveryMode::FIXED:
    case dev::DeliveryMode::LOWEST_PRIORITY:
        if (lapics_[vcpu].accept(m.vector, m.level_triggered)) kicks_ |= 1u << vcpu;
        return;
    case dev::DeliveryMode::INIT:
        if (vcpu == 0 || ap.started) break;  // no reset of a running vCPU
        ap.init = true;
        return;
    case dev::DeliveryMode::STARTUP:
        if (!ap.init || ap.started) break;  // the second start-up message of INIT-SIPI-SIPI lands here
        ap.started = true;
        ap.vector = m.vector;
        kicks_ |= 1u << vcpu;
        return;
    default: break;
    }
    ++dropped_messages_;
}

bool PcPlatform::mmio(unsigned vcpu, uint64_t gpa, unsigned size, bool write, uint64_t& value, uint64_t now_ns) {
    now_ns_ = now_ns;
    if (vcpu < vcpus_ && gpa >= dev::LocalApic::BASE && gpa - dev::LocalApic::BASE < dev::LocalApic::SIZE) {
        dev::LocalApic& lapic = lapics_[vcpu];
        uint32_t offset = uint32_t(gpa - dev::LocalApic::BASE);
        if (!write) {
            value = lapic.read(offset, size, now_ns);
            return true;
        }
        dev::LocalApic::Effect e = lapic.write(offset, size, uint32_t(value), now_ns);
        if (e.kind == dev::LocalApic::Effect::IPI) route(e.ipi, vcpu);
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

// The 8259's output and the PIT's deadline are vCPU 0's to act on: a
// write from another vCPU (an unmask, an EOI, a new count) kicks it.
bool PcPlatform::pic_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write) {
        pc.pic_.write(port, uint8_t(value));
        pc.kicks_ |= 1;
    } else {
        value = pc.pic_.read(port);
    }
    return true;
}

bool PcPlatform::pit_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write) {
        pc.pit_.write(port, uint8_t(value), pc.now_ns_);
        pc.kicks_ |= 1;
    } else {
        value = pc.pit_.read(port, pc.now_ns_);
    }
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
