// The Linux VMM: one per Linux guest, in a PD of its own that holds only
// its guest's RAM, its own image and the capabilities the root task gave
// it. It boots the staged bzImage by the Linux boot protocol, makes the
// guest's vCPUs (each with its exit handler and one portal per exit event,
// on the CPU the root task named for it) and answers each exit as the PC
// the guest expects. When the guest halts for good, triple-faults or exits
// in a way this VMM does not emulate, only this VM ends.
#include "abi/event.hpp"
#include "abi/hypercall.hpp"
#include "abi/mtd.hpp"
#include "abi/utcb.hpp"
#include "lib/format.hpp"
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

alignas(16) uint8_t handler_stacks[VCPUS_MAX][16384];

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
    case VcpuEvent::Cpuid:  // XSAVE's sizes follow the guest's XCR0
        return mtd::GPR_ACDB | mtd::GPR_BSD | DECODE | mtd::QUAL | mtd::RFLAGS | mtd::INJ | mtd::STA | mtd::XCR0;
    case VcpuEvent::NestedPageFault:  // emulated: every register may be an operand
        return mtd::GPR_ACDB | mtd::GPR_BSD | mtd::GPR_R8_R15 | mtd::RSP | DECODE | mtd::QUAL | mtd::RFLAGS | mtd::INJ |
               mtd::STA;
    default: return mtd::GPR_ACDB | mtd::GPR_BSD | DECODE | mtd::QUAL | mtd::RFLAGS | mtd::INJ | mtd::STA;
    }
}

// The semaphores of the VM's end and the main thread's timer.
bool prepare_vm() {
    return succeeded("creating the semaphores", user::hypercall(enc::create_sm(SEL_DONE_SM, abi::SEL_OWN_PD, 0))) &&
           succeeded("creating the semaphores", user::hypercall(enc::create_sm(SEL_TICK_SM, abi::SEL_OWN_PD, 0)));
}

// vCPU v with its exit handler on the CPU the root task named, and the
// semaphore its handler waits on. The first runs at once; the others wait
// in their start-up exit for the guest's INIT and start-up messages.
bool prepare_vcpu(const VmmStart& start, unsigned v) {
    return succeeded("creating the semaphores",
                     user::hypercall(enc::create_sm(vcpu_sel(v, VcpuSel::HaltSm), abi::SEL_OWN_PD, 0))) &&
           make_vcpu(VcpuSetup{vcpu_sel(v, VcpuSel::Handler), vcpu_sel(v, VcpuSel::Vcpu), vcpu_sel(v, VcpuSel::Sc),
                               vcpu_events(v), handler_utcb(v),
                               reinterpret_cast<uint64_t>(handler_stacks[v] + sizeof handler_stacks[v] - 8), portal_mtd,
                               exit_entry, start.vcpu_cpus[v], VCPU_PRIORITY, VCPU_QUANTUM_US,
                               exit_portal_id(v, VcpuEvent::Startup)});
}

// Every vCPU out of the guest and every waiting handler woken, so that each
// handler sees the VM's end (or its time-out) at once.
void stop_all(Vm& vm) {
    for (unsigned v = 0; v < vm.vcpu_count; ++v) {
        (void)user::hypercall(enc::recall(vcpu_sel(v, VcpuSel::Vcpu)));
        (void)user::hypercall(enc::sm_up(vcpu_sel(v, VcpuSel::HaltSm)));
    }
}

// Ends the VM from the main thread (a time-out, or a failure after the
// vCPUs run): the first handler to look stops it, saying why. Without the
// lock: a handler on this CPU, below this thread, may hold it.
void stop_from_main(Vm& vm, const char* why) {
    vm.stop_why = why;
    __atomic_store_n(&vm.timed_out, true, __ATOMIC_RELEASE);
    stop_all(vm);
    (void)user::hypercall(enc::sm_down(SEL_DONE_SM, 0));
}

// The main thread's deadline, published before it reads the vCPUs' ones
// (and fenced: a handler stores its vCPU's, then reads this), so that a
// deadline a handler moves earlier meanwhile always wakes it.
void publish_sleep(Vm& vm, uint64_t until) {
    vm.main_sleeps_until = until;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

// The main thread keeps the guest's time: it sleeps until a vCPU's next
// event and then recalls that vCPU, whose exit lets its handler inject the
// interrupt (a halted vCPU's handler wakes by itself); and it ends a guest
// that runs past its time limit. Having recalled a vCPU for a deadline it
// waits for the handler to set the next one: the vCPU runs below this
// thread's priority, so a deadline that stayed in the past would otherwise
// keep this thread busy and the guest stopped.
void keep_time(Vm& vm, const VmmStart& start) {
    const uint64_t khz = start.tsc_khz ? start.tsc_khz : 1000000;
    const uint64_t limit = start.timeout_ms ? vm.tsc_at_start + start.timeout_ms * khz : 0;
    publish_sleep(vm, ~uint64_t(0));
    while (!vm.ended) {
        uint64_t deadline = 0;
        for (unsigned v = 0; v < vm.vcpu_count; ++v) {
            const uint64_t wake = vm.vcpus[v].wake_tsc;
            if (wake && wake != vm.vcpus[v].recalled_for && (!deadline || wake < deadline)) deadline = wake;
        }
        if (limit && (!deadline || deadline > limit)) deadline = limit;
        // A handler that lowered its deadline after the scan saw ~0 and
        // upped the semaphore: the down returns at once.
        publish_sleep(vm, deadline ? deadline : ~uint64_t(0));
        abi::Status st = user::hypercall(enc::sm_down(SEL_TICK_SM, deadline));
        publish_sleep(vm, ~uint64_t(0));
        if (vm.ended || st != abi::Status::Timeout) continue;
        const uint64_t now = user::rdtsc();
        if (limit && now >= limit) {
            stop_from_main(vm, nullptr);  // the handler that ends it says so
            return;
        }
        for (unsigned v = 0; v < vm.vcpu_count; ++v) {
            Vcpu& c = vm.vcpus[v];
            const uint64_t wake = c.wake_tsc;
            if (!wake || wake == c.recalled_for || wake > now) continue;
            c.recalled_for = wake;
            if (!c.halted) (void)user::hypercall(enc::recall(vcpu_sel(v, VcpuSel::Vcpu)));
        }
    }
    (void)user::hypercall(enc::sm_down(SEL_DONE_SM, 0));
}

}  // namespace

uint64_t handler_utcb(unsigned v) {
    // vCPU 0's handler keeps the page after the main thread's; the device
    // thread has the next; the other handlers follow.
    return v == 0 ? HANDLER_UTCB : abi::UTCB_AREA + 0x2000 + v * 0x1000;
}

void lock_vm(Vm& vm) {
    // Exit handlers only: the main thread (above vCPU 0's handler on its
    // CPU) would spin for ever on a lock that handler holds.
    while (__atomic_exchange_n(&vm.lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&vm.lock, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}

void unlock_vm(Vm& vm) { __atomic_store_n(&vm.lock, 0, __ATOMIC_RELEASE); }

void speak_through(Vm& vm, abi::Utcb* utcb) {
    if (vm.console_utcb == utcb) return;
    user::console::init(utcb, to_root);
    vm.console_utcb = utcb;
}

// An exit handler's text goes through the service portal on its own CPU.
void to_root(abi::Utcb* utcb, const char* text, size_t bytes) {
    const Vm& vm = the_vm();
    for (unsigned v = 0; v < vm.vcpu_count; ++v)
        if (vm.vcpus[v].utcb == utcb) return service_console(utcb, true, text, bytes, SEL_VCPU_SERVICE + v);
    service_console(utcb, false, text, bytes);
}

void wake_main() { (void)user::hypercall(enc::sm_up(SEL_TICK_SM)); }

void kick(Vm& vm, uint32_t mask, unsigned self) {
    for (unsigned v = 0; v < vm.vcpu_count; ++v) {
        if (v == self || !(mask >> v & 1)) continue;
        if (vm.vcpus[v].halted)
            (void)user::hypercall(enc::sm_up(vcpu_sel(v, VcpuSel::HaltSm)));
        else
            (void)user::hypercall(enc::recall(vcpu_sel(v, VcpuSel::Vcpu)));
    }
}

[[noreturn]] void park() {
    for (;;) (void)user::hypercall(enc::sm_down(SEL_NEVER_SM, 0));
}

// An exit handler's last act when its VM ends: the others stopped, the
// VMM's thread woken, and no answer, so its vCPU runs no more.
void end_vm(Vm& vm) {
    vm.ended = true;
    stop_all(vm);
    wake_main();
    park_handler(vm);
}

// The last handler to park ups the semaphore the main thread waits on for
// its report: then no handler holds the lock or prints any more.
void park_handler(Vm& vm) {
    const bool last = ++vm.parked_vcpus == vm.made_vcpus;
    unlock_vm(vm);
    if (last) (void)user::hypercall(enc::sm_up(SEL_DONE_SM));
    park();
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
    vm.console_utcb = main_utcb;
    PcPlatform pc(com1_out, reset_line, acpi_power_off, &vm, start.vcpus);
    bool ready = start.magic == START_MAGIC && init_vm(vm, pc, start);
    if (ready) {
        char others[64] = "";  // where its other vCPUs run
        size_t n = 0;
        for (unsigned v = 1; v < vm.vcpu_count; ++v)
            n += format_to(others + n, sizeof others - n, "%s%u", v == 1 ? ", its other vCPUs on CPU " : ", ",
                           start.vcpu_cpus[v]);
        user::console::print("vmm: starting Linux guest %s on CPU %u%s\n", start.name, start.cpu, others);
        // Before any handler runs (one on another CPU would take the lock and
        // print): how many handlers will park at the end, as if all were made.
        vm.made_vcpus = vm.vcpu_count;
        ready = prepare_vm();
        // vCPU 0 last: until it runs, nothing can start the others (whose
        // handlers wait in their start-up exits, printing nothing).
        unsigned made = 0;
        for (unsigned v = vm.vcpu_count; ready && v-- > 0;) made += (ready = prepare_vcpu(start, v));
        vm.made_vcpus = made;  // vCPU 0 not made: no handler has ended anything yet
        const bool device_ready = !ready || !vm.device || start_device_thread(uint16_t(start.cpu));
        if (!ready && made) {
            // Those made wait for a start-up that cannot come: end them.
            stop_from_main(vm, "not every vCPU could be made");
        } else if (!device_ready) {
            // The vCPUs run already: end them as a time-out would, and say why.
            stop_from_main(vm, "its device's interrupt thread could not be made");
            ready = false;
        }
    } else {
        user::console::print("vmm: the root task's start information is not usable; no VM\n");
    }
    if (ready) keep_time(vm, start);
    // Every handler parked (or none was made): the console is this thread's.
    speak_through(vm, main_utcb);
    bool passed = ready && report_vm(vm);
    service_done(main_utcb, passed);
    park();
}
