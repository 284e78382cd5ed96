// The real-mode VMM: one per guest, in a PD of its own that holds only its
// guest's RAM, its own image and the capabilities the root task gave it.
// It makes its guest's vCPU and one portal per exit event; each exit is a
// call of that portal (abi/event.hpp) that this PD answers, never the
// kernel. When the guest halts, faults or exits in a way this VMM does not
// emulate, only this VM ends: the VMM reports it to the root task.
#include "abi/event.hpp"
#include "abi/hypercall.hpp"
#include "abi/mtd.hpp"
#include "abi/utcb.hpp"
#include "vmm/common/service.hpp"
#include "vmm/common/vcpu_setup.hpp"
#include "vmm/launch/vmm_start.hpp"
#include "vmm/realmode/exits.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::vmm {
namespace {

namespace enc = abi::encode;
namespace mtd = abi::mtd;
using abi::VcpuEvent;

// Selectors this VMM makes in its own object space.
constexpr abi::Selector HANDLER = 32, VCPU = 33, VCPU_SC = 34, DONE_SM = 35, NEVER_SM = 36;
constexpr abi::Selector VCPU_EVENTS = 128;  // + VcpuEvent

alignas(16) uint8_t handler_stack[16384];

auto* const main_utcb = reinterpret_cast<abi::Utcb*>(MAIN_UTCB);

// What each exit portal receives (the least its handler reads); the reply
// names what it changed. CS, the control registers and RFLAGS come along
// for decoding the instruction where the hardware does not report its
// length: they set the default operand and address size (x86::mode_of).
// CPUID, the hot exit, carries CS only: a bare CPUID is two bytes in every
// mode, and anything else is decoded in CS's mode.
uint64_t portal_mtd(VcpuEvent e) {
    constexpr uint64_t DECODE = mtd::RIP_LEN | mtd::CS_SS | mtd::CR | mtd::RFLAGS;
    switch (e) {
    case VcpuEvent::Startup: return 0;
    case VcpuEvent::Cpuid: return mtd::GPR_ACDB | mtd::RIP_LEN | mtd::CS_SS | mtd::QUAL;
    case VcpuEvent::Io:
    case VcpuEvent::Msr: return mtd::GPR_ACDB | DECODE | mtd::QUAL;
    default: return mtd::GPR_ACDB | DECODE | mtd::QUAL | mtd::RFLAGS;
    }
}

// The exit handler and the vCPU on `cpu` (the VMM's own), and the
// semaphores its end is told by.
bool prepare_vcpu(uint16_t cpu) {
    return make_vcpu(VcpuSetup{HANDLER, VCPU, VCPU_SC, VCPU_EVENTS, HANDLER_UTCB,
                               reinterpret_cast<uint64_t>(handler_stack + sizeof handler_stack - 8), portal_mtd,
                               exit_entry, cpu, VCPU_PRIORITY, VCPU_QUANTUM_US}) &&
           succeeded("creating the semaphores", user::hypercall(enc::create_sm(DONE_SM, abi::SEL_OWN_PD, 0)));
}

}  // namespace

void to_root(abi::Utcb* utcb, const char* text, size_t bytes) { service_console(utcb, utcb != main_utcb, text, bytes); }

// The exit handler's last act when its VM ends: wake the VMM's thread and
// never answer, so the vCPU runs no more.
void end_vm() {
    (void)user::hypercall(enc::sm_up(DONE_SM));
    for (;;) (void)user::hypercall(enc::sm_down(NEVER_SM, 0));
}

}  // namespace keel::vmm

extern "C" [[noreturn]] void user_main(keel::abi::Utcb*, const void*) {
    using namespace keel;
    using namespace keel::vmm;
    user::console::init(main_utcb, to_root);
    // First: what this VMM's threads end on. Made later, a VMM that could
    // not start its VM would spin at its priority instead of blocking.
    (void)user::hypercall(enc::create_sm(NEVER_SM, abi::SEL_OWN_PD, 0));
    const auto& start = *reinterpret_cast<const VmmStart*>(START_PAGE);
    Vm& vm = the_vm();
    bool ready = start.magic == START_MAGIC && init_vm(vm, start, reinterpret_cast<abi::Utcb*>(HANDLER_UTCB));
    if (ready) {
        user::console::print("vmm: starting the %s (%lu bytes) at 1000:0000 (guest-physical 0x%lx) on CPU %u\n",
                             start.name, start.image_bytes, start.image_gpa, start.cpu);
        ready = prepare_vcpu(uint16_t(start.cpu));
    } else {
        user::console::print("vmm: the root task's start information is not usable; no VM\n");
    }
    if (ready && start.timeout_ms) {
        // A guest that never exits (it spins with interrupts off) is ended
        // from here: a recall makes its vCPU exit, and the Recall portal
        // ends the VM.
        uint64_t deadline = user::rdtsc() + start.timeout_ms * (start.tsc_khz ? start.tsc_khz : 1000000);
        if (user::hypercall(enc::sm_down(DONE_SM, deadline)) == abi::Status::Timeout) {
            user::console::init(main_utcb, to_root);  // the exit handler may have printed meanwhile
            the_vm().handler_prints = false;
            user::console::print("vmm: the guest ran for %lu ms without ending; recalling its vCPU\n",
                                 start.timeout_ms);
            the_vm().timed_out = true;
            (void)user::hypercall(enc::recall(VCPU));
            (void)user::hypercall(enc::sm_down(DONE_SM, 0));
        }
    } else if (ready) {
        (void)user::hypercall(enc::sm_down(DONE_SM, 0));
    }
    user::console::init(main_utcb, to_root);  // the exit handler printed last
    the_vm().handler_prints = false;
    bool passed = ready && report_vm(vm, start);
    service_done(main_utcb, passed);
    for (;;) (void)user::hypercall(enc::sm_down(NEVER_SM, 0));
}
