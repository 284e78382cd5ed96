// The Linux VMM's VM: one guest with its RAM, its vCPUs' exit handling and
// the PC it sees. Each vCPU has an exit handler EC of its own on the vCPU's
// CPU, which serves that vCPU's exit portals (the portal's id is the event
// and the vCPU); the handlers share the platform under one lock. The VMM's
// main thread only keeps time: it recalls a vCPU when that vCPU's timer is
// due, so that its handler can inject the interrupt.
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
inline constexpr abi::Selector SEL_DONE_SM = 35, SEL_NEVER_SM = 36, SEL_TICK_SM = 38, SEL_DEVICE_EC = 39,
                               SEL_DEVICE_SC = 40, SEL_DEVICE_EOI_SM = 41;
// vCPU v's: its exit handler, the vCPU, its SC, the semaphore its handler
// waits on in HLT (and an application processor for its start-up), and its
// exit portals (VCPU_EVENT_COUNT from vcpu_events(v)).
enum class VcpuSel : abi::Selector { Handler, Vcpu, Sc, HaltSm };
// From 128: below are the main thread's events (SEL_EVENTS on); above, the
// device thread's (192) and the exit portals (256).
constexpr abi::Selector vcpu_sel(unsigned v, VcpuSel what) { return 128 + 4 * v + abi::Selector(what); }
constexpr abi::Selector vcpu_events(unsigned v) { return 256 + 16 * v; }
static_assert(vcpu_sel(VCPUS_MAX, VcpuSel::Handler) <= 192 && abi::VCPU_EVENT_COUNT <= 16);
// An exit portal's id: the event, and which vCPU exited.
constexpr uint64_t exit_portal_id(unsigned v, abi::VcpuEvent e) { return uint64_t(e) | uint64_t(v) << 8; }
static_assert(PcPlatform::MAX_VCPUS == VCPUS_MAX);

struct Vcpu {
    unsigned index;
    abi::Utcb* utcb;  // its exit handler's
    GuestCpuState cpu;  // its CPUID view and XCR0
    uint64_t pat;  // IA32_PAT as the guest last wrote it on this vCPU
    // An application processor's start-up came (vCPU 0: from the start);
    // it halted with interrupts off, for good. Written under the lock (the
    // device thread reads `stopped` without it).
    bool started;
    volatile bool stopped;
    // Written by its handler, read by the main thread: when it must next
    // recall the vCPU (TSC; 0: never).
    volatile uint64_t wake_tsc;
    uint64_t recalled_for;  // the main thread's: the deadline it last recalled it for
    // Its handler waits on its semaphore (in HLT, or an application
    // processor before its start-up): a kick ups that instead of recalling.
    // Changed only under the VM's lock.
    volatile bool halted;
};

struct Vm {
    const VmmStart* start;
    PcPlatform* pc;
    Vcpu vcpus[VCPUS_MAX];
    unsigned vcpu_count;
    unsigned made_vcpus;  // those whose handlers will run (and park at the end)
    unsigned started_vcpus, stopped_vcpus;  // under the lock
    unsigned parked_vcpus;  // handlers that saw the end; the last ups SEL_DONE_SM
    // Held by an exit handler while it works on the platform or the VM's
    // state, and by the main thread for what it prints at the end.
    volatile uint32_t lock;
    abi::Utcb* console_utcb;  // whose UTCB the console prints through (under the lock)
    GuestConsole console;  // the UART's output, as lines
    uint64_t exits[abi::VCPU_EVENT_COUNT];
    uint64_t device_accesses;  // emulated accesses outside its RAM and the APICs
    uint64_t apic_accesses;
    uint64_t tsc_at_start;
    volatile bool ended;
    abi::VcpuEvent last;
    unsigned last_vcpu;
    uint64_t last_rip, last_rflags;
    const char* why;  // what ended it, in words
    // The main thread ends it (a time-out, or stop_why): it never takes the
    // lock (it runs above vCPU 0's handler on the same CPU, which may hold
    // it), so it publishes stop_why before timed_out and the handler that
    // sees it first ends the VM.
    volatile bool timed_out;
    const char* volatile stop_why;  // why, when not the time limit
    bool main_ended;  // a handler ended it because the main thread said so
    bool reset_requested;  // by the 8042's reset line
    bool powered_off;  // by ACPI: PM1 control with SLP_EN and the S5 type
    // What the main thread sleeps until (TSC; ~0 while it is awake or has
    // no deadline): a handler wakes it when its vCPU's next event comes
    // earlier. Both sides fence between their store and their load.
    volatile uint64_t main_sleeps_until;
    // START_DEVICE: the device thread saw the host's line (it clears when
    // an exit handler raised the guest's); how many times.
    bool device;
    volatile bool device_raised;
    volatile uint64_t device_interrupts;
};

// The VM's platform (made by the VMM's main thread, which never returns).
PcPlatform& the_pc();
void lock_vm(Vm& vm);
void unlock_vm(Vm& vm);
// The console prints through `utcb` (the caller's) from now on; under the
// VM's lock.
void speak_through(Vm& vm, abi::Utcb* utcb);
// The VMM's clock: nanoseconds since the guest started (the TSC and the
// HIP's rate), and the TSC value of such a time.
uint64_t now_ns(const Vm& vm);
uint64_t tsc_at(const Vm& vm, uint64_t ns);

Vm& the_vm();
// Loads the kernel (boot protocol) and maps the guest's RAM into its
// memory space; false (and says why) if it cannot.
bool init_vm(Vm& vm, PcPlatform& pc, const VmmStart& start);
// Where vCPU v's exit handler keeps its UTCB.
uint64_t handler_utcb(unsigned v);
// The platform's callbacks (its context is the Vm): COM1's output, the
// 8042's reset line.
void com1_out(uint8_t byte, void* ctx);
void reset_line(void* ctx);
void acpi_power_off(void* ctx);
bool report_vm(Vm& vm);

extern "C" [[noreturn]] void exit_entry(uint64_t event);

// From main.cpp: the console's way to the root task; the end of the VM
// (called under the lock, which it lets go); a handler's wait for good once
// the VM ended (called under the lock, which it lets go; the last handler
// to park wakes the main thread for its report); a wake-up for the main
// thread (its deadline moved earlier); the vCPUs in `mask` (but `self`)
// made to look at their interrupts: woken if halted, else recalled.
void to_root(abi::Utcb* utcb, const char* text, size_t bytes);
[[noreturn]] void end_vm(Vm& vm);
[[noreturn]] void park_handler(Vm& vm);
[[noreturn]] void park();
void wake_main();
void kick(Vm& vm, uint32_t mask, unsigned self);

}  // namespace keel::vmm::linux_vm
