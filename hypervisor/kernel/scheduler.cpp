#include "hypervisor/kernel/scheduler.hpp"

#include "abi/event.hpp"
#include "abi/layout.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"
#include "lib/assert.hpp"

namespace keel {
namespace {

// A thread's IP and stack must lie in the user half: IRETQ to a
// non-canonical IP faults in the kernel, on the kernel's stack.
bool user_address(uint64_t a) { return abi::is_user_address(a); }

bool can_run(const Ec& e) { return e.state == Ec::State::Runnable || e.state == Ec::State::Serving; }

// What a caller goes back to when its call ends: a global EC or vCPU runs,
// a local one goes on serving its own caller.
Ec::State after_call(const Ec& e) { return e.kind == Ec::Kind::Local ? Ec::State::Serving : Ec::State::Runnable; }

constexpr uint64_t VCPU_STATE_WORDS = sizeof(abi::VcpuState) / 8;

void append(Ec*& head, Ec*& tail, Ec& e) {
    e.next = nullptr;
    if (tail)
        tail->next = &e;
    else
        head = &e;
    tail = &e;
}

bool unlink(Ec*& head, Ec*& tail, Ec& e) {
    Ec* prev = nullptr;
    for (Ec* x = head; x; prev = x, x = x->next) {
        if (x != &e) continue;
        (prev ? prev->next : head) = x->next;
        if (tail == x) tail = prev;
        x->next = nullptr;
        return true;
    }
    return false;
}

}  // namespace

Ec& Scheduler::chain_end(Ec& ec) {
    Ec* e = &ec;
    while (e->state == Ec::State::InCall) e = e->callee;
    return *e;
}

Sc* Scheduler::sc_of(Ec& ec) {
    Ec* e = &ec;
    while (e->caller) e = e->caller;
    return e->sc;
}

void Scheduler::make_ready(Sc& sc, bool front) {
    if (&sc == current_ || sc.link.queued) return;
    if (front)
        queue_.enqueue_front(sc.link);
    else
        queue_.enqueue(sc.link);
}

void Scheduler::stop(Sc& sc) {
    if (current_ == &sc)
        current_ = nullptr;
    else if (sc.link.queued)
        queue_.remove(sc.link);
}

Ec* Scheduler::running() {
    // A woken SC of higher priority takes the CPU; the one it preempts
    // resumes first in its round.
    ReadyLink* first = queue_.first();
    if (current_ && first && first->priority > current_->link.priority) {
        Sc* preempted = current_;
        current_ = nullptr;
        make_ready(*preempted, true);
    }
    for (;;) {
        if (!current_) {
            first = queue_.first();
            if (!first) return nullptr;
            queue_.remove(*first);
            current_ = &Sc::of(*first);
        }
        Ec& end = chain_end(current_->ec);
        KEEL_ASSERT(can_run(end));  // a blocked chain's SC is never current
        if (end.started) return &end;
        // A global EC's or vCPU's first run: its start-up event sets where
        // it begins.
        end.started = true;
        raise(end, end.vcpu ? uint64_t(abi::VcpuEvent::Startup) : abi::THREAD_EVENT_STARTUP, 0, 0);
    }
}

Pt* Scheduler::event_portal(Ec& ec, uint64_t event) {
    if (ec.event_base >= ObjectSpace::SELECTORS - event) return nullptr;
    Capability* c = ec.pd.objects.lookup(ec.event_base + event, abi::ObjectType::Pt, abi::perm::PT_CALL);
    return c ? static_cast<Pt*>(c->object) : nullptr;
}

bool Scheduler::raise(Ec& ec, uint64_t event, uint64_t error, uint64_t address) {
    Pt* pt = event_portal(ec, event);
    if (pt) {
        ec.in_event = true;
        ec.event = event;
        ec.event_error = error;
        ec.event_address = address;
        if (enter(ec, *pt, abi::THREAD_STATE_WORDS) == abi::Status::Success) return true;
        ec.in_event = false;
    }
    ++killed_;
    kill(ec);
    return false;
}

bool Scheduler::fault(Ec& ec, uint64_t vector, uint64_t error, uint64_t address) {
    return raise(ec, abi::THREAD_EVENT_EXCEPTION_BASE + vector, error, address);
}

bool Scheduler::exit(Ec& vcpu, abi::VcpuEvent event) {
    KEEL_ASSERT(vcpu.vcpu && vcpu.state == Ec::State::Runnable);
    return raise(vcpu, uint64_t(event), 0, 0);
}

abi::Status Scheduler::recall(Ec& vcpu) {
    if (!vcpu.vcpu) return abi::Status::BadParameter;
    vcpu.recall = true;  // seen before its next entry; a vCPU in the guest now is kicked out
    vcpu.home().notify();
    return abi::Status::Success;
}

void Scheduler::tick(uint64_t elapsed_us, uint64_t now) {
    if (current_) {
        current_->consumed_us += elapsed_us;
        current_->left_us -= int64_t(elapsed_us);
        if (current_->left_us <= 0) {
            Sc* expired = current_;
            expired->left_us = expired->budget_us;
            current_ = nullptr;
            make_ready(*expired);
        }
    }
    for (Ec* e = timed_; e;) {
        Ec* next = e->timed_next;
        if (e->deadline <= now) wake(*e, abi::Status::Timeout);
        e = next;
    }
}

// --- IPC ----------------------------------------------------------------

abi::Status Scheduler::call(Ec& caller, Pt& pt, uint64_t words) {
    caller.in_event = false;
    return enter(caller, pt, words);
}

abi::Status Scheduler::enter(Ec& caller, Pt& pt, uint64_t words) {
    Ec& handler = pt.handler;
    if (handler.cpu != caller.cpu) return abi::Status::BadCpu;
    if (words > abi::MAX_UNTYPED_WORDS) return abi::Status::BadParameter;
    if (handler.state == Ec::State::Dead) return abi::Status::Aborted;
    // A handler up the caller's own chain would wait for itself.
    for (Ec* e = &caller; e; e = e->caller)
        if (e == &handler) return abi::Status::Busy;
    if (handler.state == Ec::State::Idle) {
        start_call(caller, pt, words);
        return abi::Status::Success;
    }
    caller.state = Ec::State::Queued;
    caller.callee = &handler;
    caller.portal = &pt;
    append(handler.queue_head, handler.queue_tail, caller);
    if (Sc* sc = sc_of(caller)) stop(*sc);
    return abi::Status::Success;
}

void Scheduler::start_call(Ec& caller, Pt& pt, uint64_t words) {
    Ec& h = pt.handler;
    KEEL_ASSERT(h.state == Ec::State::Idle && words <= abi::MAX_UNTYPED_WORDS);
    if (caller.in_event && caller.vcpu) {
        caller.vcpu->save(pt.mtd, h.utcb.vcpu);
        words = VCPU_STATE_WORDS;
    } else if (caller.in_event) {
        abi::ThreadState state{caller.regs.rip, caller.regs.rsp,    caller.regs.rflags,
                               caller.event,    caller.event_error, caller.event_address};
        static_assert(abi::THREAD_STATE_WORDS * 8 == sizeof state);
        __builtin_memcpy(h.utcb.word, &state, sizeof state);
        words = abi::THREAD_STATE_WORDS;
    } else {
        for (uint64_t i = 0; i < words; ++i) h.utcb.word[i] = caller.utcb.word[i];
    }
    h.utcb.words = words;
    // Each call starts the handler afresh at the portal; its other
    // registers hold only what it left itself, so they are not cleared.
    h.regs.rip = pt.ip;
    h.regs.rsp = h.stack;
    h.regs.rdi = pt.id;
    h.regs.rsi = words;
    h.regs.rflags = x86::user::INITIAL_RFLAGS;
    h.state = Ec::State::Serving;
    h.caller = &caller;
    caller.callee = &h;
    caller.portal = nullptr;
    caller.state = Ec::State::InCall;
    if (Sc* sc = sc_of(caller)) make_ready(*sc);
}

void Scheduler::resume(Ec& caller, abi::Status result) {
    if (caller.in_event) {  // its event went unanswered: the thread cannot go on
        caller.in_event = false;
        caller.callee = nullptr;
        caller.portal = nullptr;
        caller.state = after_call(caller);
        ++killed_;
        kill(caller);
        return;
    }
    caller.callee = nullptr;
    caller.portal = nullptr;
    caller.state = after_call(caller);
    caller.set_result(result);
    if (Sc* sc = sc_of(caller)) make_ready(*sc);
}

abi::Status Scheduler::reply(Ec& handler, uint64_t words, uint64_t mtd) {
    if (handler.state != Ec::State::Serving) return abi::Status::BadParameter;  // no call to answer
    if (words > abi::MAX_UNTYPED_WORDS) return abi::Status::BadParameter;
    Ec* caller = handler.caller;
    if (caller && caller->in_event && caller->vcpu) {
        // State the kernel refuses changes nothing: the handler still
        // serves the exit and may answer again.
        handler.utcb.vcpu.mtd = mtd;
        if (abi::Status s = caller->vcpu->load(handler.utcb.vcpu); s != abi::Status::Success) return s;
    }
    handler.caller = nullptr;
    handler.state = Ec::State::Idle;
    if (caller && caller->in_event && caller->vcpu) {
        caller->in_event = false;
        caller->callee = nullptr;
        caller->state = after_call(*caller);
        if (Sc* sc = sc_of(*caller)) make_ready(*sc);
    } else if (caller && caller->in_event) {
        // The handler set the thread's state: where it goes on, or (no
        // valid state) it ends.
        caller->in_event = false;
        const uint64_t* w = handler.utcb.word;
        bool valid = words >= 2 && user_address(w[0]) && user_address(w[1]);
        caller->callee = nullptr;
        caller->state = after_call(*caller);
        if (valid) {
            caller->regs.rip = w[0];
            caller->regs.rsp = w[1];
            if (words >= 3)
                caller->regs.rflags =
                    (caller->regs.rflags & ~x86::user::ARITHMETIC_FLAGS) | (w[2] & x86::user::ARITHMETIC_FLAGS);
            if (Sc* sc = sc_of(*caller)) make_ready(*sc);
        } else {
            ++killed_;
            kill(*caller);
        }
    } else if (caller) {
        for (uint64_t i = 0; i < words; ++i) caller->utcb.word[i] = handler.utcb.word[i];
        caller->utcb.words = words;
        caller->regs.rsi = words;
        resume(*caller, abi::Status::Success);
    }
    if (Ec* next = handler.queue_head) {
        unlink(handler.queue_head, handler.queue_tail, *next);
        start_call(*next, *next->portal, next->args().p1);
    }
    return abi::Status::Success;
}

// --- semaphores ---------------------------------------------------------

void Scheduler::up(Sm& sm) {
    if (Ec* e = sm.waiters_head)
        e->home().wake(*e, abi::Status::Success);
    else
        sm.up();
}

void Scheduler::down(Ec& ec, Sm& sm, uint64_t deadline) {
    if (sm.try_down() == abi::Status::Success) {
        ec.set_result(abi::Status::Success);
        return;
    }
    ec.state = Ec::State::BlockedSm;
    ec.sm = &sm;
    append(sm.waiters_head, sm.waiters_tail, ec);
    ec.deadline = deadline;
    if (deadline) {
        ec.timed_next = timed_;
        timed_ = &ec;
    }
    if (Sc* sc = sc_of(ec)) stop(*sc);
}

void Scheduler::untime(Ec& ec) {
    for (Ec** p = &timed_; *p; p = &(*p)->timed_next)
        if (*p == &ec) {
            *p = ec.timed_next;
            break;
        }
    ec.timed_next = nullptr;
    ec.deadline = 0;
}

void Scheduler::wake(Ec& ec, abi::Status result) {
    KEEL_ASSERT(ec.state == Ec::State::BlockedSm);
    unlink(ec.sm->waiters_head, ec.sm->waiters_tail, ec);
    if (ec.deadline) untime(ec);
    ec.sm = nullptr;
    ec.state = after_call(ec);
    ec.set_result(result);
    if (Sc* sc = sc_of(ec)) make_ready(*sc);
    notify();
}

// --- endings ------------------------------------------------------------

void Scheduler::dequeue_caller(Ec& handler, Ec& caller) {
    bool found = unlink(handler.queue_head, handler.queue_tail, caller);
    KEEL_ASSERT(found);
}

// `top` lost its caller: it and the calls it made below are abandoned;
// each handler goes back to idle and takes its next waiting caller.
void Scheduler::unwind(Ec& top) {
    top.caller = nullptr;
    for (Ec* e = &top; e;) {
        Ec* below = e->state == Ec::State::InCall ? e->callee : nullptr;
        if (e->state == Ec::State::Queued) dequeue_caller(*e->callee, *e);
        if (e->state == Ec::State::BlockedSm) {
            unlink(e->sm->waiters_head, e->sm->waiters_tail, *e);
            if (e->deadline) untime(*e);
            e->sm = nullptr;
        }
        e->caller = e->callee = nullptr;
        e->portal = nullptr;
        KEEL_ASSERT(e->kind == Ec::Kind::Local);  // only local ECs serve calls
        e->state = Ec::State::Idle;
        if (Ec* next = e->queue_head) {
            unlink(e->queue_head, e->queue_tail, *next);
            start_call(*next, *next->portal, next->args().p1);
        }
        e = below;
    }
}

void Scheduler::kill(Ec& ec) { detach(ec); }

// `ec` runs no more: what it waited for forgets it, its callers (the one it
// served, those queued for it) resume with Aborted, and the calls it made
// are abandoned.
void Scheduler::detach(Ec& ec) {
    if (ec.state != Ec::State::Dead) {
        Ec* caller = ec.caller;
        Sc* sc = sc_of(ec);
        if (ec.state == Ec::State::Queued) dequeue_caller(*ec.callee, ec);
        if (ec.state == Ec::State::InCall) unwind(*ec.callee);
        if (ec.state == Ec::State::BlockedSm) {
            unlink(ec.sm->waiters_head, ec.sm->waiters_tail, ec);
            if (ec.deadline) untime(ec);
            ec.sm = nullptr;
        }
        ec.caller = ec.callee = nullptr;
        ec.portal = nullptr;
        ec.state = Ec::State::Dead;
        if (caller)
            resume(*caller, abi::Status::Aborted);
        else if (sc)
            stop(*sc);
    }
    while (Ec* q = ec.queue_head) {
        unlink(ec.queue_head, ec.queue_tail, *q);
        resume(*q, abi::Status::Aborted);
    }
    notify();  // it may be running there now
}

void Scheduler::detach(Sm& sm) {
    while (Ec* e = sm.waiters_head) e->home().wake(*e, abi::Status::Aborted);
}

void Scheduler::bound(Sc& sc) {
    if (can_run(chain_end(sc.ec))) make_ready(sc);
    notify();
}

void Scheduler::unbound(Sc& sc) {
    stop(sc);
    notify();
}

}  // namespace keel
