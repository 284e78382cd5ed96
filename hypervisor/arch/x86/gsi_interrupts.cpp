#include "hypervisor/arch/x86/gsi_interrupts.hpp"

#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/idt.hpp"
#include "hypervisor/arch/x86/ioapic.hpp"
#include "hypervisor/arch/x86/lapic.hpp"

namespace keel::x86 {
namespace {
constinit GsiInterrupts* instance = nullptr;  // the interrupt handler's way back
constexpr uint32_t FIRST_PCI_GSI = 16;
}  // namespace

Status GsiInterrupts::init(Deliver deliver) {
    if (Status s = ioapic::init(); s != Status::Ok) return s;
    gsis_ = ioapic::pins() < MAX_GSIS ? ioapic::pins() : MAX_GSIS;
    deliver_ = deliver;
    instance = this;
    return Status::Ok;
}

abi::Status GsiInterrupts::assign(Sm& sm, uint16_t cpu, uint32_t gsi) {
    if (gsi >= gsis_ || kept(gsi)) return abi::Status::BadDevice;
    Line& line = lines_[gsi];
    if (line.sm == &sm) return abi::Status::Success;
    if (line.sm) return abi::Status::Busy;
    // The binding keeps the semaphore: an interrupt never ups a freed one.
    sm.hold();
    line = {&sm, gsi >= FIRST_PCI_GSI};
    uint8_t vector = uint8_t(FIRST_VECTOR + gsi);
    uint32_t apic_id = cpu_local(cpu).apic_id;
    if (remap_) remap_(vector, apic_id);
    idt::set_handler(vector, arrived);  // until then a stray, counted as such
    ioapic::route(gsi, vector, apic_id, line.level);
    return abi::Status::Success;
}

void GsiInterrupts::acknowledge(Sm& sm) {
    for (unsigned gsi = 0; gsi < gsis_; ++gsi)
        if (lines_[gsi].sm == &sm && lines_[gsi].level) ioapic::unmask(gsi);
}

void GsiInterrupts::arrived(InterruptFrame& frame) {
    unsigned gsi = unsigned(frame.vector) - FIRST_VECTOR;
    Line& line = instance->lines_[gsi];
    // Masked until the driver's next down: it must quiet its device first.
    if (line.level) {
        ioapic::mask(gsi);
        ioapic::end_of_interrupt(gsi, uint8_t(frame.vector));
    }
    lapic::eoi();
    if (line.sm) instance->deliver_(*line.sm, frame);
}

}  // namespace keel::x86
