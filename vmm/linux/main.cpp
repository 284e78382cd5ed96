// The Linux VMM: one per Linux guest, in a PD of its own that holds only
// its guest's RAM, its own image and the capabilities the root task gave
// it. It boots the staged bzImage by the Linux boot protocol, makes the
// guest's vCPU and one portal per exit event, and answers each exit as the
// PC the guest expects. When the guest halts for good, triple-faults or
// exits in a way this VMM does not emulate, only this VM ends.
#include "abi/event.hpp"
#include "abi/hypercall.hpp"
#include "abi/mtd.hpp"
#include "abi/utcb.hpp"
#include "vmm/common/service.hpp"
#include "vmm/common/vcpu_setup.hpp"
#include "vmm/launch/vmm_start.hpp"
#include "vmm/linux/assigned_device.hpp"
#include "vmm/linux/linux_vm.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::vmm::linux_vm {
namespace {

namespace enc = abi::encode;
namespace mtd = abi::mtd;
using abi::VcpuEvent;

alignas(16) uint8_t handler_stack[16384];

auto* const main_utcb = reinterpret_cast<abi::Utcb*>(MAIN_UTCB);

// What each exit portal receives (the least its handler reads); the reply
// names what it changed. CS comes along for decoding the instruction where
// the hardware does not report its length.
uint64_t portal_mtd(VcpuEvent e) {
    // Decoding an instruction needs CS and the paging registers; EFER
    // writes and injection need the rest.
    constexpr uint64_t DECODE = mtd::RIP_LEN | mtd::CS_SS | mtd::CR;
    switch (e) {
    case VcpuEvent::Startup: return 0;
    case VcpuEvent::NestedPageFault:  // emulated: every register may be an operand
        return mtd::GPR_ACDB | mtd::GPR_BSD | mtd::GPR_R8_R15 | mtd::RSP | DECODE | mtd::QUAL | mtd::RFLAGS | mtd::INJ |
               mtd::STA;
    default: return mtd::GPR_ACDB | mtd::GPR_BSD | DECODE | mtd::QUAL | mtd::RFLAGS | mtd::INJ | mtd::STA;
    }
}

// The exit handler and the vCPU on `cpu` (the VMM's own), and the
// semaphores of its end, its HLTs and its timer.
bool prepare_vcpu(uint16_t cpu) {
    return make_vcpu(VcpuSetup{SEL_HANDLER, SEL_VCPU, SEL_VCPU_SC, SEL_VCPU_EVENTS, HANDLER_UTCB,
                               reinterpret_cast<uint64_t>(handler_stack + sizeof handler_stack - 8), portal_mtd,
                               exit_entry, cpu, VCPU_PRIORITY, VCPU_QUANTUM_US}) &&
           succeeded("creating the semaphores", user::hypercall(enc::create_sm(SEL_DONE_SM, abi::SEL_OWN_PD, 0))) &&
           succeeded("creating the semaphores", user::hypercall(enc::create_sm(SEL_HALT_SM, abi::SEL_OWN_PD, 0))) &&
           succeeded("creating the semaphores", user::hypercall(enc::create_sm(SEL_TICK_SM, abi::SEL_OWN_PD, 0)));
}

// The main thread keeps the guest's time: it sleeps until the platform's
// next event and then recalls the vCPU, whose exit lets the handler inject
// the interrupt; and it ends a guest that runs past its time limit. Having
// recalled for a deadline it waits for the handler to set the next one:
// the vCPU runs below this thread's priority, so a deadline that stayed in
// the past would otherwise keep this thread busy and the guest stopped.
void keep_time(Vm& vm, const VmmStart& start) {
    const uint64_t khz = start.tsc_khz ? start.tsc_khz : 1000000;
    const uint64_t limit = start.timeout_ms ? vm.tsc_at_start + start.timeout_ms * khz : 0;
    uint64_t recalled_for = 0;
    while (!vm.ended) {
        uint64_t deadline = vm.wake_tsc == recalled_for ? 0 : vm.wake_tsc;
        if (limit && (!deadline || deadline > limit)) deadline = limit;
        vm.main_sleeps_until = deadline ? deadline : ~uint64_t(0);
        abi::Status st = user::hypercall(enc::sm_down(SEL_TICK_SM, deadline));
        vm.main_sleeps_until = 0;
        if (vm.ended || st != abi::Status::Timeout) continue;
        if (limit && user::rdtsc() >= limit) {
            user::console::init(main_utcb, to_root);  // the exit handler may have printed meanwhile
            vm.handler_prints = false;
            user::console::print("vmm: the guest ran for %lu ms without ending; recalling its vCPU\n",
                                 start.timeout_ms);
            vm.timed_out = true;
            (void)user::hypercall(enc::recall(SEL_VCPU));
            (void)user::hypercall(enc::sm_up(SEL_HALT_SM));  // a halted guest's handler waits there
            break;
        }
        recalled_for = deadline;
        (void)user::hypercall(enc::recall(SEL_VCPU));
    }
    (void)user::hypercall(enc::sm_down(SEL_DONE_SM, 0));
}

}  // namespace

void to_root(abi::Utcb* utcb, const char* text, size_t bytes) { service_console(utcb, utcb != main_utcb, text, bytes); }

void wake_main() { (void)user::hypercall(enc::sm_up(SEL_TICK_SM)); }

// The exit handler's last act when its VM ends: wake the VMM's thread and
// never answer, so the vCPU runs no more.
void end_vm() {
    the_vm().ended = true;
    wake_main();
    (void)user::hypercall(enc::sm_up(SEL_DONE_SM));
    for (;;) (void)user::hypercall(enc::sm_down(SEL_NEVER_SM, 0));
}

}  // namespace keel::vmm::linux_vm

extern "C" [[noreturn]] void user_main(keel::abi::Utcb*, const void*) {
    using namespace keel;
    using namespace keel::vmm;
    using namespace keel::vmm::linux_vm;
    user::console::init(main_utcb, to_root);
    // First: what this VMM's threads end on. Made later, a VMM that could
    // not start its VM would spin at its priority instead of blocking.
    (void)user::hypercall(enc::create_sm(SEL_NEVER_SM, abi::SEL_OWN_PD, 0));
    const auto& start = *reinterpret_cast<const VmmStart*>(START_PAGE);
    Vm& vm = the_vm();
    PcPlatform pc(com1_out, reset_line, acpi_power_off, &vm);
    bool ready = start.magic == START_MAGIC && init_vm(vm, pc, start, reinterpret_cast<abi::Utcb*>(HANDLER_UTCB));
    if (ready) {
        user::console::print("vmm: starting Linux guest %s on CPU %u\n", start.name, start.cpu);
        ready = prepare_vcpu(uint16_t(start.cpu));
        if (ready && vm.device && !start_device_thread(uint16_t(start.cpu))) {
            // The vCPU runs already: end it as a time-out would, and say why.
            vm.stop_why = "its device's interrupt thread could not be made";
            vm.timed_out = true;
            (void)user::hypercall(enc::recall(SEL_VCPU));
            (void)user::hypercall(enc::sm_up(SEL_HALT_SM));
            (void)user::hypercall(enc::sm_down(SEL_DONE_SM, 0));
            ready = false;
        }
    } else {
        user::console::print("vmm: the root task's start information is not usable; no VM\n");
    }
    if (ready) keep_time(vm, start);
    user::console::init(main_utcb, to_root);  // the exit handler printed last
    the_vm().handler_prints = false;
    bool passed = ready && report_vm(vm);
    service_done(main_utcb, passed);
    for (;;) (void)user::hypercall(enc::sm_down(SEL_NEVER_SM, 0));
}
