// An execution context: a thread of a PD (its registers and its UTCB) or a
// vCPU (its hardware state, vcpu.hpp). A local EC runs only to serve calls of its
// portals, on the caller's scheduling context; a global EC has SCs of its
// own. Which EC a CPU runs follows from the scheduler's current SC and the
// chain of calls from its EC (callee links) down to the one that serves.
#pragma once
#include <stdint.h>

#include "abi/hypercall.hpp"
#include "abi/status.hpp"
#include "abi/utcb.hpp"
#include "hypervisor/arch/x86/interrupt_frame.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/pd.hpp"
#include "hypervisor/kernel/vcpu.hpp"

namespace keel {

class Pt;
class Sc;
class Scheduler;
class Sm;

class Ec final : public Kobject {
public:
    enum class Kind : uint8_t { Local, Global, Vcpu };
    enum class State : uint8_t {
        Idle,  // a local EC between calls
        Runnable,  // a global EC or vCPU that may run (or runs) on its SC
        Serving,  // a local EC serving `caller`, on the caller's SC
        InCall,  // waiting for `callee` to reply
        Queued,  // waiting for `callee`, busy with another call, to take this call
        BlockedSm,  // in a semaphore down (until up or `deadline`)
        Dead,  // faulted or destroyed: runs no more
    };

    // A thread in `pd` on `cpu` whose UTCB (a kernel page) appears at
    // `utcb_address` in the PD's kernel window (abi/layout.hpp); a local EC
    // starts each call with `stack`. Holds the PD; made from its memory.
    static Ec* create(Scheduler& scheduler, Pd& pd, Kind kind, uint16_t cpu, uint64_t utcb_address, uint64_t stack,
                      abi::Selector event_base, abi::Status& status);
    // A vCPU of `pd` on `cpu` whose exits go to the portals at `event_base`.
    // Its kernel page is mapped nowhere; its state is `vcpu`'s.
    static Ec* create_vcpu(Scheduler& scheduler, VcpuFactory& factory, Pd& pd, uint16_t cpu, abi::Selector event_base,
                           abi::Status& status);

    Pd& pd;
    abi::Utcb& utcb;  // as the kernel reaches it (a vCPU's is its own, never mapped)
    const uint64_t utcb_address;  // as the thread sees it
    const Kind kind;
    const uint16_t cpu;
    const uint64_t stack;
    const abi::Selector event_base;
    x86::InterruptFrame regs = {};  // while it does not run
    State state;

    // Scheduling and IPC links (scheduler.cpp, ipc.cpp).
    Sc* sc = nullptr;  // a global EC's own SC
    Ec* caller = nullptr;  // Serving: whom the reply goes to
    Ec* callee = nullptr;  // InCall, Queued: who serves it
    Pt* portal = nullptr;  // Queued: the portal it called
    Ec* next = nullptr;  // in one wait queue: a semaphore's, a busy handler's
    Ec *queue_head = nullptr, *queue_tail = nullptr;  // callers waiting for this (local) EC
    Sm* sm = nullptr;  // BlockedSm: the semaphore
    uint64_t deadline = 0;  // BlockedSm: TSC, 0 = none
    Ec* timed_next = nullptr;  // the scheduler's list of downs with a deadline
    // A global EC or vCPU runs once its start-up event has been answered.
    bool started;
    VcpuHw* const vcpu;  // a vCPU's hardware half; nullptr for threads
    bool recall = false;  // a vCPU: ctrl_ec asked for a Recall exit before it next runs
    // InCall/Queued on an event portal: its state travels, not its UTCB.
    bool in_event = false;
    uint64_t event = 0, event_error = 0, event_address = 0;

    // The scheduler of its CPU: the only one it runs on.
    Scheduler& home() const { return scheduler_; }

    // The hypercall's results into the registers it returns with.
    void set_result(abi::Status s) { regs.rdi = uint64_t(s); }
    abi::Args args() const { return {regs.rdi, regs.rsi, regs.rdx, regs.rax, regs.r8}; }
    void set_results(const abi::Args& a) {
        regs.rsi = a.p1;
        regs.rdx = a.p2;
        regs.rax = a.p3;
        regs.r8 = a.p4;
    }

private:
    Ec(KernelMemory& memory, Scheduler& scheduler, Pd& pd, abi::Utcb& utcb, uint64_t utcb_address, Kind kind,
       uint16_t cpu, uint64_t stack, abi::Selector event_base, VcpuHw* vcpu);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
    Scheduler& scheduler_;
};

}  // namespace keel
