#include "hypervisor/kernel/user.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/gdt.hpp"
#include "hypervisor/arch/x86/idt.hpp"
#include "hypervisor/arch/x86/kernel_lock.hpp"
#include "hypervisor/arch/x86/lapic.hpp"
#include "hypervisor/arch/x86/pd_tables.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"
#include "lib/assert.hpp"

namespace keel::user {
namespace {

namespace lock = x86::kernel_lock;

constexpr uint8_t PAGE_FAULT = 14;

struct PerCpu {
    Scheduler* scheduler;
    // Whose registers are in the entry frame, or which vCPU is in the
    // guest: held, so that another CPU destroying it leaves the memory
    // until this one has let go.
    Ec* loaded;
    // Whose page table and I/O bitmap the CPU has loaded: held, so that
    // no other CPU frees tables this one may still walk.
    Pd* space;
    x86::CpuLocal* cpu;
    x86::InterruptFrame* frame;  // at the top of the CPU's entry stack
    volatile bool parked;  // left user level for good
};

constinit PerCpu per_cpu[x86::MAX_CPUS] = {};
constinit unsigned cpu_count = 1;
constinit HypercallContext* context = nullptr;
constinit FaultReport report_fault = nullptr;
constinit uint32_t tick_us = 0;
constinit Outcome outcome = Outcome::NothingToRun;
constinit volatile bool started = false;  // the boot CPU has begun user level: the others join
constinit volatile bool ended = false;  // user level is over: every CPU leaves it
constinit uint64_t kernel_cr3 = 0;  // the kernel's own table, which no PD's going can free

// Found once per kernel entry and passed on (the hot path counts instructions).
PerCpu& mine() { return *static_cast<PerCpu*>(x86::here().kernel); }

[[gnu::always_inline]] inline void set_loaded(PerCpu& m, Ec* e) {
    Ec* old = m.loaded;
    if (old == e) return;
    if (e) e->hold();
    m.loaded = e;
    if (old) old->release();
}

// Another CPU changed what `cpu` should run: it looks again.
void kick(uint16_t cpu) {
    x86::CpuLocal& c = x86::cpu_local(cpu);
    if (cpu >= cpu_count || &c == &x86::here() || !c.online) return;
    (void)x86::lapic::send_ipi(c.apic_id, x86::vector::KICK);
}

// `pd`'s page table and I/O bitmap into the CPU, or (nullptr) the
// kernel's and no port.
void switch_space(PerCpu& m, Pd* pd) {
    uint64_t table = pd ? x86::PdTables::host_table(*pd).root() : kernel_cr3;
    if (x86::read_cr3() != table) x86::write_cr3(table);
    if (pd) {
        x86::IoBitmap& io = x86::PdTables::io_bitmap(*pd);
        x86::gdt::load_io_bitmap(*m.cpu, io.low(), io.high());
        pd->hold();
    } else {
        x86::gdt::load_io_bitmap(*m.cpu, nullptr, nullptr);
    }
    Pd* old = m.space;
    m.space = pd;
    if (old) old->release();
}

// User level is over on this CPU: back to whoever started it.
[[noreturn]] void leave_here(PerCpu& m) {
    set_loaded(m, nullptr);
    switch_space(m, nullptr);
    lock::release();
    x86::user::leave();
}

[[noreturn]] void end_user_level(PerCpu& m, Outcome o) {
    outcome = o;
    ended = true;
    for (unsigned i = 0; i < cpu_count; ++i) kick(uint16_t(i));
    leave_here(m);
}

bool all_quiet() {
    for (unsigned i = 0; i < cpu_count; ++i)
        if (!per_cpu[i].scheduler->quiet()) return false;
    return true;
}

// The thread's registers into the frame ring 3 returns through; its PD's
// page table and ports. The frame's privileged parts are the kernel's, not
// the thread's: user code and stack selectors, and of RFLAGS only the
// arithmetic flags (never IOPL, never IF off).
void load(PerCpu& m, Ec& e) {
    x86::InterruptFrame& f = *m.frame;
    f = e.regs;
    f.cs = x86::gdt::USER_CODE;
    f.ss = x86::gdt::USER_DATA;
    f.rflags = (f.rflags & x86::user::ARITHMETIC_FLAGS) | x86::user::INITIAL_RFLAGS;
    // The loaded PD is held: the same address is the same PD.
    if (&e.pd != m.space) switch_space(m, &e.pd);
    set_loaded(m, &e);
}

// A vCPU's turn: its guest runs until an exit, which becomes a call of its
// VMM's portal. A host interrupt (the tick, a kick) was handled on the way
// out; the caller asks the scheduler again. The kernel lock is not held
// while the guest runs.
void run_vcpu(PerCpu& m, Ec& v) {
    set_loaded(m, &v);
    if (v.recall) {
        v.recall = false;
        (void)m.scheduler->exit(v, abi::VcpuEvent::Recall);
        return;
    }
    lock::release();
    VcpuExit e = v.vcpu->run();
    lock::acquire();
    // Only its own CPU kills an EC (an exit or call there); another CPU's
    // destroy waits for the hold.
    KEEL_ASSERT(v.state != Ec::State::Dead);
    if (!e.host && !m.scheduler->exit(v, e.event)) report_fault(v, uint64_t(e.event), 0, 0);
}

// With the kernel lock: loads whoever runs next and returns without the
// lock (to ring 3); idles while nobody can, as long as something may still
// wake someone; otherwise user level is over.
void dispatch(PerCpu& m) {
    for (;;) {
        if (ended) leave_here(m);
        if (Ec* next = m.scheduler->running()) {
            if (!next->vcpu) {
                load(m, *next);
                lock::release();
                return;
            }
            run_vcpu(m, *next);
            continue;
        }
        set_loaded(m, nullptr);
        switch_space(m, nullptr);  // an idle CPU holds no PD
        if (all_quiet()) end_user_level(m, Outcome::NothingToRun);
        lock::release();
        x86::sti();
        x86::hlt();  // the tick wakes downs whose deadline passed; a kick, work from another CPU
        x86::cli();
        lock::acquire();
    }
}

void enter() {
    lock::acquire();
    dispatch(mine());
}

// A portal handler's reply (the hot path of every exit and call): if it is
// taken, the handler is idle and its registers are dead, so only the
// arguments are read from the frame; the rest only if it was refused and
// the handler runs on with the status.
bool handler_reply(const x86::InterruptFrame& f, const Ec& caller) {
    return abi::Hypercall(f.rdi & 0xf) == abi::Hypercall::Reply && caller.kind == Ec::Kind::Local;
}

void on_hypercall(x86::InterruptFrame& f) {
    lock::acquire();
    PerCpu& m = mine();
    Ec& caller = *m.loaded;
    KEEL_ASSERT(caller.state != Ec::State::Dead);  // as in run_vcpu
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
    dispatch(m);
}

void on_fault(x86::InterruptFrame& f) {
    lock::acquire();
    PerCpu& m = mine();
    Ec& ec = *m.loaded;
    KEEL_ASSERT(ec.state != Ec::State::Dead);
    ec.regs = f;
    uint64_t address = f.vector == PAGE_FAULT ? x86::read_cr2() : 0;
    if (!m.scheduler->fault(ec, f.vector, f.error, address)) report_fault(ec, f.vector, f.error, address);
    dispatch(m);
}

// Ring 3 was interrupted (a tick or a kick): if someone else should run
// now, the thread's registers are kept and the CPU switches.
void reschedule(PerCpu& m, x86::InterruptFrame& f) {
    if (ended) leave_here(m);
    Ec* next = m.scheduler->running();
    if (next == m.loaded) return lock::release();
    m.loaded->regs = f;
    if (next && !next->vcpu) {
        load(m, *next);
        return lock::release();
    }
    dispatch(m);
}

// Preemption: a tick that interrupted ring 3 may end the quantum. One that
// interrupted the kernel (idle, or just out of a guest: the lock is free)
// only counts the time; that code looks again itself.
void on_tick(x86::InterruptFrame& f) {
    // A CPU takes part once the boot CPU has begun user level and counted it.
    auto* m = started ? static_cast<PerCpu*>(x86::here().kernel) : nullptr;
    if (!m) return;
    lock::acquire();
    m->scheduler->tick(tick_us, x86::rdtsc());
    if ((f.cs & 3) != 3 || !m->loaded) return lock::release();
    reschedule(*m, f);
}

void on_kick(x86::InterruptFrame& f) {
    x86::lapic::eoi();
    auto* m = started && (f.cs & 3) == 3 ? static_cast<PerCpu*>(x86::here().kernel) : nullptr;
    if (!m || !m->loaded) return;
    lock::acquire();
    reschedule(*m, f);
}

void on_tlb_shootdown(x86::InterruptFrame&) { x86::tlb::on_ipi(); }

}  // namespace

// As a tick: an interrupt that came in ring 3 may let the woken EC run now;
// one that came in the kernel (idle, or out of a guest) leaves that to it.
void device_interrupt(Sm& sm, x86::InterruptFrame& f) {
    auto* m = started ? static_cast<PerCpu*>(x86::here().kernel) : nullptr;
    if (!m) return;  // lines are bound by the root task: never before user level
    lock::acquire();
    m->scheduler->up(sm);
    if ((f.cs & 3) != 3 || !m->loaded) return lock::release();
    reschedule(*m, f);
}

void init(uint32_t tick) {
    tick_us = tick;
    x86::user::init(on_hypercall);
    x86::idt::set_user_fault_handler(on_fault);
    x86::idt::set_handler(x86::vector::KICK, on_kick);
    x86::idt::set_handler(x86::vector::TLB_SHOOTDOWN, on_tlb_shootdown);
    x86::lapic::set_tick_hook(on_tick);
}

Outcome run(Scheduler* schedulers, unsigned cpus, HypercallContext& k, FaultReport report) {
    kernel_cr3 = x86::read_cr3();
    cpu_count = cpus;
    for (unsigned i = 0; i < cpus; ++i) {
        x86::CpuLocal& c = x86::cpu_local(i);
        schedulers[i].set_cpu(uint16_t(i));
        per_cpu[i].scheduler = &schedulers[i];
        per_cpu[i].cpu = &c;
        per_cpu[i].frame = &x86::user::frame(c);
        c.kernel = &per_cpu[i];
    }
    Scheduler::set_kick(kick);
    context = &k;
    report_fault = report;
    __atomic_store_n(&started, true, __ATOMIC_SEQ_CST);
    for (unsigned i = 1; i < cpus; ++i) kick(uint16_t(i));
    x86::user::run(enter);
    // Until the others have left too: what follows (the health check, the
    // last words) runs alone.
    for (unsigned i = 1; i < cpus; ++i)
        for (uint32_t spins = 0; !per_cpu[i].parked && spins < 100'000'000; ++spins) x86::pause();
    return outcome;
}

void run_ap() {
    while (!started) {
        x86::sti();
        x86::hlt();  // the boot CPU kicks once user level begins
        x86::cli();
    }
    if (!x86::here().kernel) return;  // not counted (a CPU before it could not run user level)
    x86::user::run(enter);
    mine().parked = true;
}

void power_off(bool failed) { end_user_level(mine(), failed ? Outcome::PoweredOffFailed : Outcome::PoweredOff); }

}  // namespace keel::user
