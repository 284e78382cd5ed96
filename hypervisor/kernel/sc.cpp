#include "hypervisor/kernel/sc.hpp"

#include <new>

#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/scheduler.hpp"

namespace keel {

Sc::Sc(KernelMemory& memory, Scheduler& scheduler, Ec& ec, uint8_t priority, uint32_t budget_us)
    : Kobject(abi::ObjectType::Sc, destroy), ec(ec), budget_us(budget_us), left_us(budget_us), memory_(memory),
      scheduler_(scheduler) {
    link.priority = priority;
    link.owner = this;
}

Sc* Sc::create(KernelMemory& memory, Scheduler& scheduler, Ec& ec, uint8_t priority, uint32_t budget_us,
               abi::Status& status) {
    status = abi::Status::BadParameter;
    if (priority == 0 || budget_us < MIN_BUDGET_US || budget_us > MAX_BUDGET_US) return nullptr;
    status = abi::Status::BadCapability;  // an SC is for a global EC or a vCPU
    if (ec.kind == Ec::Kind::Local || ec.state == Ec::State::Dead) return nullptr;
    status = abi::Status::Busy;
    if (ec.sc) return nullptr;
    void* p = memory.allocate<Sc>();
    status = abi::Status::OutOfMemory;
    if (!p) return nullptr;
    ec.hold();
    auto* sc = new (p) Sc(memory, scheduler, ec, priority, budget_us);
    ec.sc = sc;
    scheduler.bound(*sc);
    status = abi::Status::Success;
    return sc;
}

Sc& Sc::of(ReadyLink& l) { return *static_cast<Link&>(l).owner; }

void Sc::destroy(Kobject& self) {
    auto& sc = static_cast<Sc&>(self);
    sc.scheduler_.unbound(sc);
    KernelMemory& memory = sc.memory_;
    Ec& ec = sc.ec;
    ec.sc = nullptr;
    sc.~Sc();
    memory.free(&sc);
    ec.release();
}

}  // namespace keel
