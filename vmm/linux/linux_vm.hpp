// The Linux VMM's VM: one guest with its RAM, its vCPU's exit handling and
// the PC it sees. One exit handler EC serves every exit portal (the
// portal's id is the event); the VMM's main thread only keeps time: it
// recalls the vCPU when a device's timer is due, so that the handler can
// inject the interrupt.
#pragma once
#include <stdint.h>

#include "abi/event.hpp"
#include "abi/utcb.hpp"
#include "vmm/common/cpuid_view.hpp"
#include "vmm/common/guest_console.hpp"
#include "vmm/launch/vmm_start.hpp"
#include "vmm/linux/pc_platform.hpp"

namespace keel::vmm::linux_vm {

// Selectors this VMM makes in its own object space.
inline constexpr abi::Selector SEL_HANDLER = 32, SEL_VCPU = 33, SEL_VCPU_SC = 34, SEL_DONE_SM = 35, SEL_NEVER_SM = 36,
                               SEL_HALT_SM = 37, SEL_TICK_SM = 38, SEL_DEVICE_EC = 39, SEL_DEVICE_SC = 40,
                               SEL_DEVICE_EOI_SM = 41;
inline constexpr abi::Selector SEL_VCPU_EVENTS = 128;  // + VcpuEvent

struct Vm {
    const VmmStart* start;
    PcPlatform* pc;
    abi::Utcb* utcb;  // the exit handler's
    GuestConsole console;  // the UART's output, as lines
    GuestCpuState cpu;
    uint64_t exits[abi::VCPU_EVENT_COUNT];
    uint64_t pat;  // IA32_PAT as the guest last wrote it
    uint64_t device_accesses;  // emulated accesses outside its RAM and the APICs
    uint64_t apic_accesses;
    uint64_t tsc_at_start;
    // Written by the exit handler, read by the main thread: when it must
    // next recall the vCPU (TSC; 0: never).
    volatile uint64_t wake_tsc;
    volatile bool ended;
    abi::VcpuEvent last;
    uint64_t last_rip, last_qual, last_rflags;
    const char* why;  // what ended it, in words
    bool timed_out;  // the main thread ends it (a time-out, or stop_why)
    const char* stop_why;  // why, when not the time limit
    bool handler_prints;
    bool reset_requested;  // by the 8042's reset line
    bool powered_off;  // by ACPI: PM1 control with SLP_EN and the S5 type
    // What the main thread sleeps until (TSC; 0: no deadline): the handler
    // wakes it when the platform's next event comes earlier.
    volatile uint64_t main_sleeps_until;
    // START_DEVICE: the device thread saw the host's line (it clears when
    // the exit handler raised the guest's); how many times. volatile is
    // enough: the device thread, the exit handler and the main thread all
    // run on the VMM's one CPU, and each hypercall between them is a barrier.
    bool device;
    volatile bool device_raised;
    volatile uint64_t device_interrupts;
};

// The VM's platform (made by the VMM's main thread, which never returns).
PcPlatform& the_pc();
// The VMM's clock: nanoseconds since the guest started (the TSC and the
// HIP's rate), and the TSC value of such a time.
uint64_t now_ns(const Vm& vm);
uint64_t tsc_at(const Vm& vm, uint64_t ns);

Vm& the_vm();
// Loads the kernel (boot protocol) and maps the guest's RAM into its
// memory space; false (and says why) if it cannot.
bool init_vm(Vm& vm, PcPlatform& pc, const VmmStart& start, abi::Utcb* handler_utcb);
// The platform's callbacks (its context is the Vm): COM1's output, the
// 8042's reset line.
void com1_out(uint8_t byte, void* ctx);
void reset_line(void* ctx);
void acpi_power_off(void* ctx);
bool report_vm(Vm& vm);

extern "C" [[noreturn]] void exit_entry(uint64_t event);

// From main.cpp: the console's way to the root task; the end of the VM; a
// wake-up for the main thread (its deadline moved earlier).
void to_root(abi::Utcb* utcb, const char* text, size_t bytes);
[[noreturn]] void end_vm();
void wake_main();

}  // namespace keel::vmm::linux_vm
