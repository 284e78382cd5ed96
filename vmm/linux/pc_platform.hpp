// The PC a Linux guest sees through its port space: COM1, the 8259 pair,
// the 8254 with port 0x61, the CMOS clock, the 8042 (its reset line) and
// PCI configuration space with a host bridge, wired as on a PC (COM1 on
// IRQ 4, the PIT's channel 0 on IRQ 0); and in device memory its vCPU's
// local APIC and an I/O APIC, to which every ISA line also goes (the PIT's
// to pin 2, as the MADT says). Until the guest programs the APICs, the
// 8259's interrupts come through the first vCPU's LINT0 in ExtINT mode, the
// virtual wire a PC's firmware leaves. Each vCPU has its local APIC (ID =
// its index); the others wait, as application processors do, for INIT and
// a start-up message. Time is the VMM's: each call says what time it is;
// the platform says when it next has something to do. Not thread-safe:
// the VMM serialises every call.
#pragma once
#include <stdint.h>

#include "vmm/devices/acpi_pm.hpp"
#include "vmm/devices/cmos_rtc.hpp"
#include "vmm/devices/i8042.hpp"
#include "vmm/devices/io_apic.hpp"
#include "vmm/devices/local_apic.hpp"
#include "vmm/devices/pci_host.hpp"
#include "vmm/devices/pic8259.hpp"
#include "vmm/devices/pit8254.hpp"
#include "vmm/devices/port_bus.hpp"
#include "vmm/devices/uart16550.hpp"

namespace keel::vmm::linux_vm {

class PcPlatform {
public:
    using Transmit = dev::Uart16550::Transmit;
    using Reset = dev::I8042::Reset;
    using PowerOff = dev::AcpiPm::PowerOff;
    static constexpr uint64_t NEVER = dev::Pit8254::NEVER;

    static constexpr unsigned MAX_VCPUS = 8;

    // `vcpus`: 1 to MAX_VCPUS (more are cut to MAX_VCPUS).
    PcPlatform(Transmit com1_out, Reset reset, PowerOff power_off, void* ctx, unsigned vcpus = 1)
        : com1_(com1_out, ctx), rtc_(0), i8042_(reset, ctx), acpi_(power_off, ctx),
          vcpus_(vcpus < 1           ? 1
                 : vcpus > MAX_VCPUS ? MAX_VCPUS
                                     : vcpus),
          ioapic_(uint8_t(vcpus_)) {}

    // Before the guest runs: the wall clock, the RAM the CMOS reports, the
    // ports wired. False if the port table cannot hold them.
    bool init(uint64_t ram_bytes);
    // The RTC's wall clock at the VMM's time 0 (Unix seconds).
    void set_wall_clock(int64_t unix_seconds) { rtc_.set_start(unix_seconds); }
    // An IOIO exit, size 1, 2 or 4.
    uint32_t read(uint16_t port, unsigned size, uint64_t now_ns);
    void write(uint16_t port, unsigned size, uint32_t value, uint64_t now_ns);
    // vCPU `vcpu`'s nested page fault outside the guest's RAM: true if one
    // of the APICs' pages has it (size 1, 2, 4 or 8; reads fill `value`);
    // the local APIC's page is that vCPU's own.
    bool mmio(unsigned vcpu, uint64_t gpa, unsigned size, bool write, uint64_t& value, uint64_t now_ns);
    // Brings the timers' lines up to `now_ns`; then an interrupt may be
    // pending for a vCPU.
    void update(uint64_t now_ns);
    bool interrupt_pending(unsigned vcpu) const;
    // The vector to inject into `vcpu` now (its local APIC's, or the
    // 8259's through its LINT0), taken into service.
    uint8_t acknowledge(unsigned vcpu);
    // When a timer next changes a line `vcpu` must be woken for (NEVER: no
    // timer runs): its local APIC's timer, and for vCPU 0 the PIT's.
    uint64_t next_event_ns(unsigned vcpu, uint64_t now_ns) const;
    // The vCPUs an interrupt or start-up message reached since the last
    // call (bit i: vCPU i), for the VMM to wake or recall them.
    uint32_t take_kicks() {
        uint32_t k = kicks_;
        kicks_ = 0;
        return k;
    }
    // The start-up vector of an application processor (vCPU 1 on) that
    // received INIT and then a start-up message; -1 until then. Later
    // INITs and start-up messages are dropped: the VMM does not reset a
    // running vCPU.
    int startup_vector(unsigned vcpu) const { return vcpu < vcpus_ && start_[vcpu].started ? start_[vcpu].vector : -1; }
    unsigned vcpus() const { return vcpus_; }
    // Messages no vCPU of this VM acts on (NMI, SMI, an INIT or start-up
    // for a vCPU that runs), for the VMM's report.
    uint64_t dropped_messages() const { return dropped_messages_; }

    // An assigned PCI function on bus 0, its INTx on I/O APIC pin `gsi`.
    // False if the bus has no room for it or the pin is no pin.
    bool attach_device(const dev::PciFunction& function, unsigned gsi);
    // Its line, as the host's interrupt says: the VMM raises it when the
    // host's line arrives (the kernel masked it then); it stays raised until
    // the guest ends the interrupt (its EOI of the pin's vector), which
    // lowers it and which take_device_eoi() reports once, for the VMM to
    // let the host's line come again. A device still asserting it then
    // interrupts again at once.
    void raise_device_line();
    bool take_device_eoi();
    // Whether the device's next interrupt could reach the guest: its line is
    // down (none waits for an EOI) and the guest left the pin unmasked.
    bool device_may_interrupt() const;

private:
    static bool com1_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    static bool pic_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    static bool pit_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    static bool rtc_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    static bool i8042_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    // Port 0x80 (POST codes, Linux's I/O delay): accepted, nothing behind it.
    static bool acpi_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);
    static bool delay_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value);

    // An ISA line: to the 8259 and to the I/O APIC (IRQ 0 on pin 2).
    void set_isa_irq(unsigned irq, bool level);
    // A message from `sender` (a vCPU, or MAX_VCPUS: the I/O APIC).
    void route(const dev::ApicMessage& m, unsigned sender);
    void deliver(unsigned vcpu, const dev::ApicMessage& m);
    void route_io_apic();
    bool extint_pending(unsigned vcpu) const {
        return lapics_[vcpu].extint_through_lint0() && pic_.interrupt_pending();
    }

    dev::PortBus bus_;
    dev::Uart16550 com1_;
    dev::Pic8259 pic_;
    dev::Pit8254 pit_;
    dev::CmosRtc rtc_;
    dev::I8042 i8042_;
    dev::AcpiPm acpi_;
    dev::PciHost pci_;
    dev::PciHostBridge host_bridge_;
    unsigned vcpus_;
    dev::LocalApic lapics_[MAX_VCPUS] = {dev::LocalApic{0}, dev::LocalApic{1}, dev::LocalApic{2}, dev::LocalApic{3},
                                         dev::LocalApic{4}, dev::LocalApic{5}, dev::LocalApic{6}, dev::LocalApic{7}};
    dev::IoApic ioapic_;  // its ID follows the vCPUs' (acpi_madt.hpp)
    struct ApStart {
        bool init, started;
        uint8_t vector;
    } start_[MAX_VCPUS] = {};
    uint32_t kicks_ = 0;
    uint64_t dropped_messages_ = 0;
    uint64_t now_ns_ = 0;  // of the access being served
    bool device_attached_ = false, device_line_ = false, device_eoi_ = false;
    unsigned device_gsi_ = 0;
};

}  // namespace keel::vmm::linux_vm
