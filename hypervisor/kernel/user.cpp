#include "hypervisor/kernel/user.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/gdt.hpp"
#include "hypervisor/arch/x86/idt.hpp"
#include "hypervisor/arch/x86/lapic.hpp"
#include "hypervisor/arch/x86/pd_tables.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"
#include "lib/assert.hpp"

namespace keel::user {
namespace {

constexpr uint8_t PAGE_FAULT = 14;
constinit Scheduler* scheduler = nullptr;
constinit HypercallContext* context = nullptr;
constinit FaultReport report_fault = nullptr;
constinit Ec* loaded = nullptr;  // whose registers are in the entry frame
constinit uint32_t tick_us = 0;
constinit Outcome outcome = Outcome::NothingToRun;

// The thread's registers into the frame ring 3 returns through; its PD's
// page table and ports. The frame's privileged parts are the kernel's, not
// the thread's: user code and stack selectors, and of RFLAGS only the
// arithmetic flags (never IOPL, never IF off).
void load(Ec& e) {
    x86::InterruptFrame& f = x86::user::frame();
    f = e.regs;
    f.cs = x86::gdt::USER_CODE;
    f.ss = x86::gdt::USER_DATA;
    f.rflags = (f.rflags & x86::user::ARITHMETIC_FLAGS) | x86::user::INITIAL_RFLAGS;
    // By the table, not by the PD's address: a PD that went away may have
    // left its slot to a new one.
    uint64_t table = x86::PdTables::host_table(e.pd).root();
    if (x86::read_cr3() != table) x86::write_cr3(table);
    x86::IoBitmap& io = x86::PdTables::io_bitmap(e.pd);
    x86::gdt::load_io_bitmap(io.low(), io.high());
    loaded = &e;
}

// A vCPU's turn: its guest runs until an exit, which becomes a call of its
// VMM's portal. A host interrupt (the tick) was handled on the way out and
// may have ended the quantum; the caller asks the scheduler again.
void run_vcpu(Ec& v) {
    loaded = nullptr;
    if (v.recall) {
        v.recall = false;
        (void)scheduler->exit(v, abi::VcpuEvent::Recall);
        return;
    }
    VcpuExit e = v.vcpu->run();
    if (!e.host && !scheduler->exit(v, e.event)) report_fault(v, uint64_t(e.event), 0, 0);
}

// Loads whoever runs next; idles while nobody can, as long as a deadline
// may still wake someone; otherwise user level is over.
void dispatch() {
    for (;;) {
        if (Ec* next = scheduler->running()) {
            if (!next->vcpu) return load(*next);
            run_vcpu(*next);
            continue;
        }
        loaded = nullptr;
        if (!scheduler->timers_pending()) {
            outcome = Outcome::NothingToRun;
            x86::user::leave();
        }
        x86::sti();
        x86::hlt();  // the tick wakes downs whose deadline passed
        x86::cli();
    }
}

// A portal handler's reply (the hot path of every exit and call): if it is
// taken, the handler is idle and its registers are dead, so only the
// arguments are read from the frame; the rest only if it was refused and
// the handler runs on with the status.
bool handler_reply(const x86::InterruptFrame& f, const Ec& caller) {
    return abi::Hypercall(f.rdi & 0xf) == abi::Hypercall::Reply && caller.kind == Ec::Kind::Local;
}

void on_hypercall(x86::InterruptFrame& f) {
    Ec& caller = *loaded;
    bool reply = handler_reply(f, caller);
    Ec* served = caller.caller;
    if (reply) {
        caller.regs.rdi = f.rdi, caller.regs.rsi = f.rsi, caller.regs.rdx = f.rdx;
        caller.regs.rax = f.rax, caller.regs.r8 = f.r8;
    } else {
        caller.regs = f;
    }
    // The time, for a down's deadline (the only hypercall that reads it).
    if (abi::Hypercall(f.rdi & 0xf) == abi::Hypercall::CtrlSm) context->now = x86::rdtsc();
    // Held across the call: a thread that revokes its own last capability
    // goes only once the kernel is done with it. (A reply revokes nothing.)
    if (!reply) caller.hold();
    hypercall(*context, caller);
    if (reply && caller.state == Ec::State::Serving && caller.caller == served) {
        abi::Args results{caller.regs.rdi, caller.regs.rsi, caller.regs.rdx, caller.regs.rax, caller.regs.r8};
        caller.regs = f;
        caller.set_result(abi::Status(results.p0));
        caller.set_results(results);
    }
    if (!reply) caller.release();
    dispatch();
}

void on_fault(x86::InterruptFrame& f) {
    Ec& ec = *loaded;
    ec.regs = f;
    uint64_t address = f.vector == PAGE_FAULT ? x86::read_cr2() : 0;
    if (!scheduler->fault(ec, f.vector, f.error, address)) report_fault(ec, f.vector, f.error, address);
    dispatch();
}

// Preemption: a tick that interrupted ring 3 may end the quantum.
void on_tick(x86::InterruptFrame& f) {
    if (!scheduler) return;
    scheduler->tick(tick_us, x86::rdtsc());
    if ((f.cs & 3) != 3 || !loaded) return;  // the idle loop looks again itself
    Ec* next = scheduler->running();
    if (next == loaded) return;
    loaded->regs = f;
    if (next && !next->vcpu)
        load(*next);
    else
        dispatch();
}

}  // namespace

void init(uint32_t tick) {
    tick_us = tick;
    x86::user::init(on_hypercall);
    x86::idt::set_user_fault_handler(on_fault);
    x86::lapic::set_tick_hook(on_tick);
}

Outcome run(Scheduler& s, HypercallContext& k, FaultReport report) {
    uint64_t kernel_cr3 = x86::read_cr3();
    scheduler = &s;
    context = &k;
    report_fault = report;
    Ec* first = s.running();
    if (first) {
        KEEL_ASSERT(!first->vcpu);  // the root task's thread comes first
        load(*first);
        x86::user::run();
    }
    scheduler = nullptr;
    loaded = nullptr;
    x86::write_cr3(kernel_cr3);
    x86::gdt::load_io_bitmap(nullptr, nullptr);
    return first ? outcome : Outcome::NothingToRun;
}

void power_off(bool failed) {
    outcome = failed ? Outcome::PoweredOffFailed : Outcome::PoweredOff;
    x86::user::leave();
}

}  // namespace keel::user
