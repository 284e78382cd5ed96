#include "hypervisor/kernel/hypercall.hpp"

#include "abi/layout.hpp"

#include "hypervisor/kernel/device_assigner.hpp"
#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/interrupt_assigner.hpp"
#include "hypervisor/kernel/pt.hpp"
#include "hypervisor/kernel/sc.hpp"
#include "hypervisor/kernel/scheduler.hpp"
#include "hypervisor/kernel/sm.hpp"

namespace keel {
namespace {

using abi::Status;
namespace perm = abi::perm;
static_assert(abi::QUOTA_ALL_LEFT == KernelMemory::ALL_LEFT);

Pd* lookup_pd(Pd& caller, abi::Selector sel, uint8_t perms) {
    Capability* c = caller.objects.lookup(sel, abi::ObjectType::Pd, perms);
    return c ? static_cast<Pd*>(c->object) : nullptr;
}

// A new object goes into an empty slot of the caller's object space.
Status place(Pd& caller, abi::Selector sel, Capability*& slot) {
    if (sel >= ObjectSpace::SELECTORS) return Status::BadParameter;
    slot = caller.objects.slot(sel, true);
    if (!slot) return Status::OutOfMemory;
    return slot->empty() ? Status::Success : Status::Busy;
}

// create_*: the owner PD in p1 must grant PD_CREATE, the selector must be
// empty; `make` builds the object (in the owner PD) from kernel memory.
template <typename Make> Status create_object(Pd& caller, const abi::Args& a, Make make) {
    Pd* owner = lookup_pd(caller, a.p1, perm::PD_CREATE);
    if (!owner) return Status::BadCapability;
    Capability* slot;
    if (Status s = place(caller, a.sel(), slot); s != Status::Success) return s;
    Status s;
    Kobject* object = make(*owner, s);
    if (!object) return s;
    mdb::insert_root(*slot, *object, perm::ALL);
    return Status::Success;
}

Status ctrl_sm(Pd& caller, const abi::Args& a) {
    bool up = abi::SmOp(a.flags()) == abi::SmOp::Up;
    if (!up && abi::SmOp(a.flags()) != abi::SmOp::Down) return Status::BadParameter;
    Capability* c = caller.objects.lookup(a.sel(), abi::ObjectType::Sm, up ? perm::SM_UP : perm::SM_DOWN);
    if (!c) return Status::BadCapability;
    auto* sm = static_cast<Sm*>(c->object);
    if (up) {
        sm->up();
        return Status::Success;
    }
    return sm->try_down();  // blocking downs come with the scheduler
}

// Object capabilities in [base, base + 2^order): each occupied source slot
// into the empty destination slot at the same offset (occupied ones are
// skipped, as in NOVA).
Status delegate_objects(Pd& src, Pd& dst, abi::Crd what, uint64_t dst_base) {
    uint64_t count = uint64_t(1) << what.order();
    if (what.base() >= ObjectSpace::SELECTORS || count > ObjectSpace::SELECTORS - what.base() ||
        dst_base >= ObjectSpace::SELECTORS || count > ObjectSpace::SELECTORS - dst_base)
        return Status::BadParameter;
    for (uint64_t i = 0; i < count; ++i) {
        Capability* from = src.objects.slot(what.base() + i, false);
        if (!from || from->empty()) continue;
        Capability* to = dst.objects.slot(dst_base + i, true);
        if (!to) return Status::OutOfMemory;
        if (to->empty() && (from->perms & what.perms())) mdb::derive(*from, *to, what.perms());
    }
    return Status::Success;
}

Status revoke_objects(Pd& pd, abi::Crd what, bool children_only) {
    uint64_t count = uint64_t(1) << what.order();
    if (what.base() >= ObjectSpace::SELECTORS || count > ObjectSpace::SELECTORS - what.base())
        return Status::BadParameter;
    for (uint64_t i = 0; i < count; ++i) {
        Capability* c = pd.objects.slot(what.base() + i, false);
        if (!c || c->empty()) continue;
        if (what.perms() == perm::ALL)
            mdb::revoke(*c, children_only);
        else
            mdb::reduce(*c, what.perms(), children_only);
    }
    return Status::Success;
}

Status ctrl_pd(Pd& caller, abi::Args& a) {
    Pd* src = lookup_pd(caller, a.sel(), perm::PD_DELEGATE);
    if (!src) return Status::BadCapability;
    if (abi::PdOp(a.flags()) == abi::PdOp::Quota) {
        a.p1 = src->memory.limit();
        a.p2 = src->memory.used();
        return Status::Success;
    }
    abi::Crd what(a.p2);
    if (!what.valid()) return Status::BadParameter;
    const uint64_t count = uint64_t(1) << what.order();
    switch (abi::PdOp(a.flags())) {
    case abi::PdOp::Delegate: {
        Pd* dst = lookup_pd(caller, a.p1, perm::PD_DELEGATE);
        if (!dst) return Status::BadCapability;
        if (what.kind() == abi::SpaceKind::Object) return delegate_objects(*src, *dst, what, a.p3);
        // Guest memory comes from the source's host memory: a VMM gives its
        // guest what it holds itself. Ports and MSRs keep their number.
        ResourceSpace* from = what.kind() == abi::SpaceKind::GuestMemory ? &src->host : src->space(what.kind());
        return from->delegate(*dst->space(what.kind()), what.base(), count, a.p3, what.perms());
    }
    case abi::PdOp::Revoke:
    case abi::PdOp::RevokeChildren: {
        bool children = abi::PdOp(a.flags()) == abi::PdOp::RevokeChildren;
        if (what.kind() == abi::SpaceKind::Object) return revoke_objects(*src, what, children);
        return src->space(what.kind())->revoke(what.base(), count, what.perms(), children);
    }
    case abi::PdOp::Quota: break;  // answered above
    case abi::PdOp::Lookup: {
        a.p1 = 0;
        if (what.kind() == abi::SpaceKind::Object) {
            Capability* c = src->objects.slot(what.base(), false);
            if (c && !c->empty()) a.p1 = abi::Crd(abi::SpaceKind::Object, what.base(), 0, c->perms).raw;
        } else if (const ResourceMapping* m = src->space(what.kind())->lookup(what.base())) {
            a.p1 = abi::Crd(what.kind(), what.base(), 0, m->perms).raw;
        }
        return Status::Success;
    }
    }
    return Status::BadParameter;
}

Status ctrl_hw(HypercallContext& k, Pd& caller, const abi::Args& a) {
    if (&caller != k.root) return Status::BadCapability;
    switch (abi::HwOp(a.flags())) {
    case abi::HwOp::Health: return k.healthy(k.ctx) ? Status::Success : Status::Aborted;
    case abi::HwOp::PowerOff: k.power_off(k.ctx, a.p1 != 0); return Status::Success;
    case abi::HwOp::Console:
        if (!k.utcb) return Status::BadFeature;
        if (a.p1 > sizeof k.utcb->word) return Status::BadParameter;
        k.console(k.ctx, reinterpret_cast<const char*>(k.utcb->word), a.p1);
        return Status::Success;
    }
    return Status::BadParameter;
}

// assign_dev(pd, device): the root task holds every device, so only it
// decides which PD gets one.
Status assign_dev(HypercallContext& k, Pd& caller, const abi::Args& a) {
    if (&caller != k.root) return Status::BadCapability;
    if (a.flags() != uint8_t(abi::DevOp::Assign)) return Status::BadParameter;
    Pd* pd = lookup_pd(caller, a.sel(), perm::PD_DELEGATE);
    if (!pd) return Status::BadCapability;
    if (a.p1 > 0xffff) return Status::BadParameter;
    if (!k.devices) return Status::BadFeature;
    return k.devices->assign(*pd, uint16_t(a.p1));
}

// dev_config(pd, bdf, offset): anyone holding a PD reads the configuration
// of the devices whose DMA goes through its guest memory space.
Status dev_config(HypercallContext& k, Pd& caller, abi::Args& a) {
    Pd* pd = lookup_pd(caller, a.sel(), perm::PD_DELEGATE);
    if (!pd) return Status::BadCapability;
    if (a.p1 > 0xffff || a.p2 > 252 || a.p2 % 4) return Status::BadParameter;
    if (!k.devices) return Status::BadFeature;
    uint32_t value = 0;
    Status s = k.devices->read_config(*pd, uint16_t(a.p1), uint16_t(a.p2), value);
    if (s == Status::Success) a.p1 = value;
    return s;
}

// assign_int(sm, cpu, gsi): the root task holds every interrupt line.
Status assign_int(HypercallContext& k, Pd& caller, const abi::Args& a) {
    if (&caller != k.root) return Status::BadCapability;
    Capability* c = caller.objects.lookup(a.sel(), abi::ObjectType::Sm, perm::SM_ASSIGN);
    if (!c) return Status::BadCapability;
    if (a.p1 >= k.cpu_count) return Status::BadCpu;
    if (a.p2 > 0xffffffff) return Status::BadParameter;
    if (!k.interrupts) return Status::BadFeature;
    return k.interrupts->assign(*static_cast<Sm*>(c->object), uint16_t(a.p1), uint32_t(a.p2));
}

}  // namespace

Status hypercall(HypercallContext& k, Pd& caller, abi::Args& a) {
    if ((a.p0 & 0xf) >= abi::HYPERCALL_COUNT) return Status::BadHypercall;
    switch (a.number()) {
    case abi::Hypercall::CreatePd:
        return create_object(caller, a, [&](Pd& owner, Status& s) -> Kobject* {
            // A ceiling above the owner's would let a PD give itself more time.
            if (a.p2 > owner.max_priority) {
                s = Status::BadParameter;
                return nullptr;
            }
            return Pd::create(owner.memory, k.hardware, s, a.p3, a.p2 ? uint8_t(a.p2) : owner.max_priority);
        });
    case abi::Hypercall::CreateSm:
        return create_object(caller, a, [&](Pd& owner, Status& s) -> Kobject* {
            return Sm::create(owner.memory, k.schedulers, a.p2, s);
        });
    case abi::Hypercall::CtrlPd: return ctrl_pd(caller, a);
    case abi::Hypercall::CtrlSm: return ctrl_sm(caller, a);
    case abi::Hypercall::CtrlHw: return ctrl_hw(k, caller, a);
    case abi::Hypercall::AssignDev:
        return a.flags() == uint8_t(abi::DevOp::ReadConfig) ? dev_config(k, caller, a) : assign_dev(k, caller, a);
    case abi::Hypercall::AssignInt: return assign_int(k, caller, a);
    default: return Status::BadFeature;  // ECs, SCs, portals and interrupts come with the user-level step
    }
}

namespace {

template <typename T> T* lookup(Pd& pd, abi::Selector sel, abi::ObjectType type, uint8_t perms) {
    Capability* c = pd.objects.lookup(sel, type, perms);
    return c ? static_cast<T*>(c->object) : nullptr;
}

// create_ec(sel, pd, kind, cpu | event_base << 16, utcb, sp).
Status create_ec(HypercallContext& k, Ec& caller, const abi::Args& a) {
    auto kind = abi::EcFlag(a.flags());
    if (kind != abi::EcFlag::Local && kind != abi::EcFlag::Global && kind != abi::EcFlag::Vcpu)
        return Status::BadParameter;
    uint16_t cpu = uint16_t(a.p2);
    if (cpu >= k.cpu_count) return Status::BadCpu;
    if (kind == abi::EcFlag::Vcpu) {
        if (!k.vcpus) return Status::BadFeature;  // no virtualization on this machine
        if (a.p3 || a.p4) return Status::BadParameter;  // a vCPU has neither UTCB nor stack
        return create_object(caller.pd, a, [&](Pd& owner, Status& s) -> Kobject* {
            return Ec::create_vcpu(k.schedulers[cpu], *k.vcpus, owner, cpu, a.p2 >> 16, s);
        });
    }
    if (!abi::is_user_address(a.p4)) return Status::BadParameter;  // the stack
    return create_object(caller.pd, a, [&](Pd& owner, Status& s) -> Kobject* {
        return Ec::create(k.schedulers[cpu], owner, kind == abi::EcFlag::Local ? Ec::Kind::Local : Ec::Kind::Global,
                          cpu, a.p3, a.p4, a.p2 >> 16, s);
    });
}

// create_sc(sel, pd, ec, priority | budget << 8).
Status create_sc(Ec& caller, const abi::Args& a) {
    Ec* ec = lookup<Ec>(caller.pd, a.p2, abi::ObjectType::Ec, perm::EC_BIND);
    if (!ec) return Status::BadCapability;
    return create_object(caller.pd, a, [&](Pd& owner, Status& s) -> Kobject* {
        if (uint8_t(a.p3) > owner.max_priority) {  // above the ceiling of the PD it is made from
            s = Status::BadParameter;
            return nullptr;
        }
        return Sc::create(owner.memory, ec->home(), *ec, uint8_t(a.p3), uint32_t(a.p3 >> 8), s);
    });
}

// create_pt(sel, pd, ec, mtd, ip): the handler must be a local EC of `pd`,
// the IP a user address (IRETQ to a non-canonical one faults in the kernel).
Status create_pt(Ec& caller, const abi::Args& a) {
    if (!abi::is_user_address(a.p4)) return Status::BadParameter;
    Ec* ec = lookup<Ec>(caller.pd, a.p2, abi::ObjectType::Ec, perm::EC_BIND);
    if (!ec) return Status::BadCapability;
    return create_object(caller.pd, a, [&](Pd& owner, Status& s) -> Kobject* {
        if (&ec->pd != &owner) {
            s = Status::BadCapability;
            return nullptr;
        }
        return Pt::create(owner.memory, *ec, a.p3, a.p4, s);
    });
}

}  // namespace

void hypercall(HypercallContext& k, Ec& caller) {
    abi::Args a = caller.args();
    k.utcb = &caller.utcb;
    Scheduler& sched = caller.home();
    Status s;
    switch (a.number()) {
    case abi::Hypercall::Call: {
        Pt* pt = lookup<Pt>(caller.pd, a.sel(), abi::ObjectType::Pt, perm::PT_CALL);
        if (!pt) {
            s = Status::BadCapability;
            break;
        }
        s = sched.call(caller, *pt, a.p1);
        if (s == Status::Success) return;  // the reply brings the result
        break;
    }
    case abi::Hypercall::Reply:
        s = sched.reply(caller, a.p1, a.p2);
        if (s == Status::Success) return;  // the handler waits for its next call
        break;
    case abi::Hypercall::CreateEc: s = create_ec(k, caller, a); break;
    case abi::Hypercall::CreateSc: s = create_sc(caller, a); break;
    case abi::Hypercall::CreatePt: s = create_pt(caller, a); break;
    case abi::Hypercall::CtrlPt: {
        Pt* pt = lookup<Pt>(caller.pd, a.sel(), abi::ObjectType::Pt, perm::PT_CTRL);
        s = pt ? Status::Success : Status::BadCapability;
        if (pt) pt->id = a.p1;
        break;
    }
    case abi::Hypercall::CtrlEc: {
        Ec* ec = lookup<Ec>(caller.pd, a.sel(), abi::ObjectType::Ec, perm::EC_RECALL);
        s = ec ? Scheduler::recall(*ec) : Status::BadCapability;
        break;
    }
    case abi::Hypercall::CtrlSc: {
        Sc* sc = lookup<Sc>(caller.pd, a.sel(), abi::ObjectType::Sc, perm::SC_CTRL);
        s = sc ? Status::Success : Status::BadCapability;
        if (sc) a.p1 = sc->consumed_us * 1000;
        break;
    }
    case abi::Hypercall::CtrlSm: {
        auto op = abi::SmOp(a.flags());
        if (op != abi::SmOp::Up && op != abi::SmOp::Down) {
            s = Status::BadParameter;
            break;
        }
        Sm* sm = lookup<Sm>(caller.pd, a.sel(), abi::ObjectType::Sm, op == abi::SmOp::Up ? perm::SM_UP : perm::SM_DOWN);
        if (!sm) {
            s = Status::BadCapability;
            break;
        }
        if (op == abi::SmOp::Up) {
            sched.up(*sm);
            s = Status::Success;
            break;
        }
        if (k.interrupts) k.interrupts->acknowledge(*sm);  // the driver has quieted its device
        if (a.p1 && a.p1 <= k.now) {
            s = sm->try_down();  // the deadline has passed: no waiting
            break;
        }
        sched.down(caller, *sm, a.p1);
        return;  // answered now or when woken
    }
    default: s = hypercall(k, caller.pd, a); break;
    }
    caller.set_result(s);
    caller.set_results(a);
}

}  // namespace keel
