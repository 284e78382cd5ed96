// One CPU's scheduler: which SC runs (the highest-priority ready one, round
// robin within a priority by quanta), and which EC runs on it (the end of
// the call chain from the SC's EC). The IPC and semaphore operations that
// block and wake ECs live here too, so every change of who runs goes
// through one place. Pure: the kernel's glue loads the running EC's
// registers into the CPU; host tests drive it directly.
//
// Every EC belongs to the scheduler of its CPU (Ec::home()) and runs only
// there; calls never cross CPUs (BadCpu). What another CPU may do to this
// one's ECs (a semaphore up that wakes one, a new SC, a recall, a kill)
// changes this scheduler and then kicks its CPU, which looks again.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/pt.hpp"
#include "hypervisor/kernel/ready_queue.hpp"
#include "hypervisor/kernel/sc.hpp"
#include "hypervisor/kernel/sm.hpp"

namespace keel {

class Scheduler {
public:
    // The EC to run now, choosing the next SC if none is current; nullptr
    // when no SC is ready (the CPU idles).
    Ec* running();
    Sc* current() const { return current_; }

    // Time passed on this CPU: the current SC's quantum shrinks (at its end
    // the SC goes to the back of its round), and downs whose deadline
    // passed (`now`, TSC) wake with Timeout.
    void tick(uint64_t elapsed_us, uint64_t now);
    // True while some EC waits with a deadline: idling is not for ever.
    bool timers_pending() const { return timed_ != nullptr; }
    // Nothing runs, nothing is ready, nothing waits with a deadline.
    bool quiet() const { return !current_ && !queue_.first() && !timed_; }

    // The CPU this scheduler serves, and how to tell that CPU to look again
    // (an IPI; nullptr in host tests, which record kicks themselves).
    using Kick = void (*)(uint16_t cpu);
    void set_cpu(uint16_t cpu) { cpu_ = cpu; }
    static void set_kick(Kick kick) { kick_ = kick; }

    // IPC (abi: call, reply). `caller` is the running EC.
    abi::Status call(Ec& caller, Pt& pt, uint64_t words);
    // `mtd`: for a vCPU's exit, the state groups the reply writes back.
    abi::Status reply(Ec& handler, uint64_t words, uint64_t mtd = 0);
    // Semaphores (abi: ctrl_sm). A down that cannot proceed blocks `ec`.
    void up(Sm& sm);
    void down(Ec& ec, Sm& sm, uint64_t deadline);

    // The running EC raised exception `vector`: the portal at its event
    // base + vector in its PD is called with its state; without one, the EC
    // is killed. Returns false if it was killed.
    bool fault(Ec& ec, uint64_t vector, uint64_t error, uint64_t address);
    // The running vCPU exited with `event`: the portal at its event base +
    // event is called with the state its MTD names; without one the vCPU
    // is killed (its VM ends, the host goes on). Returns false if killed.
    bool exit(Ec& vcpu, abi::VcpuEvent event);
    // ctrl_ec: `vcpu` exits with Recall before it runs guest code again
    // (on whichever CPU: the vCPU's is kicked out of the guest).
    static abi::Status recall(Ec& vcpu);
    // The EC ends: it runs no more, and its callers are told Aborted.
    void kill(Ec& ec);
    // ECs killed so far because they had no portal for an event.
    uint64_t killed() const { return killed_; }

    // Object lifetimes (sc.cpp, ec.cpp, sm.cpp).
    void bound(Sc& sc);
    void unbound(Sc& sc);
    void detach(Ec& ec);
    void detach(Sm& sm);

private:
    static Ec& chain_end(Ec& ec);
    static Sc* sc_of(Ec& ec);  // the SC the chain `ec` is on runs on, if any
    void make_ready(Sc& sc, bool front = false);
    void stop(Sc& sc);  // not ready (its chain blocked)
    void start_call(Ec& caller, Pt& pt, uint64_t words);
    abi::Status enter(Ec& caller, Pt& pt, uint64_t words);  // start or queue a call
    static Pt* event_portal(Ec& ec, uint64_t event);
    bool raise(Ec& ec, uint64_t event, uint64_t error, uint64_t address);
    void resume(Ec& caller, abi::Status result);  // a call ends: the caller runs again
    void unwind(Ec& ec);  // abandon what `ec` was doing for a call chain that is gone
    void dequeue_caller(Ec& handler, Ec& caller);
    void untime(Ec& ec);
    void wake(Ec& ec, abi::Status result);  // from a semaphore
    void notify() const {
        if (kick_) kick_(cpu_);
    }

    static inline Kick kick_ = nullptr;
    ReadyQueue queue_;
    uint16_t cpu_ = 0;
    Sc* current_ = nullptr;
    Ec* timed_ = nullptr;
    uint64_t killed_ = 0;
};

}  // namespace keel
