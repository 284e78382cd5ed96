#include "vmm/linux/pc_platform.hpp"

namespace keel::vmm::linux_vm {
namespace {

constexpr unsigned IRQ_PIT = 0;
constexpr uint64_t FOUR_GIB = uint64_t(1) << 32;

}  // namespace

bool PcPlatform::init(uint64_t ram_bytes) {
    rtc_.set_memory(ram_bytes < FOUR_GIB ? ram_bytes : FOUR_GIB, ram_bytes > FOUR_GIB ? ram_bytes - FOUR_GIB : 0);
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
        pic_.set_irq(IRQ_PIT, true);
        pic_.set_irq(IRQ_PIT, false);
    }
}

bool PcPlatform::com1_io(void* ctx, uint16_t port, unsigned, bool write, uint32_t& value) {
    auto& pc = *static_cast<PcPlatform*>(ctx);
    if (write)
        pc.com1_.write(port, uint8_t(value));
    else
        value = pc.com1_.read(port);
    pc.pic_.set_irq(dev::Uart16550::COM1_IRQ, pc.com1_.irq_level());
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
    pc.pic_.set_irq(1, pc.i8042_.irq1_level());
    pc.pic_.set_irq(12, pc.i8042_.irq12_level());
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
