#include "hypervisor/kernel/ec.hpp"

#include <new>

#include "abi/layout.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"
#include "hypervisor/kernel/scheduler.hpp"

namespace keel {
namespace {
constexpr unsigned HOST_TABLE = 0;
constexpr uint64_t PAGE = 4096;

bool in_utcb_area(uint64_t address) {
    return address % PAGE == 0 && address >= abi::UTCB_AREA && address < abi::USER_SPACE_BASE;
}
}  // namespace

Ec::Ec(KernelMemory& memory, Scheduler& scheduler, Pd& pd, abi::Utcb& utcb, uint64_t utcb_address, Kind kind,
       uint16_t cpu, uint64_t stack, abi::Selector event_base, VcpuHw* vcpu)
    : Kobject(abi::ObjectType::Ec, destroy), pd(pd), utcb(utcb), utcb_address(utcb_address), kind(kind), cpu(cpu),
      stack(stack), event_base(event_base), state(kind == Kind::Local ? State::Idle : State::Runnable),
      started(kind == Kind::Local), vcpu(vcpu), memory_(memory), scheduler_(scheduler) {
    regs.rsp = stack;
    regs.rflags = x86::user::INITIAL_RFLAGS;
}

Ec* Ec::create(Scheduler& scheduler, Pd& pd, Kind kind, uint16_t cpu, uint64_t utcb_address, uint64_t stack,
               abi::Selector event_base, abi::Status& status) {
    KernelMemory& memory = pd.memory;
    status = abi::Status::BadParameter;
    ResourceSpace::Hardware& table = pd.table(HOST_TABLE);
    if (!in_utcb_area(utcb_address)) return nullptr;
    status = abi::Status::Busy;  // another EC's UTCB is there
    if (table.mapped(utcb_address / PAGE)) return nullptr;
    status = abi::Status::OutOfMemory;
    void* p = memory.allocate<Ec>();
    void* page = memory.allocate_page();
    // The kernel window is outside the PD's delegable space: only the kernel
    // maps there, so a UTCB can be neither delegated nor revoked away.
    if (!p || !page ||
        !table.map(utcb_address / PAGE, reinterpret_cast<uint64_t>(page) / PAGE, 1,
                   abi::perm::MEM_R | abi::perm::MEM_W)) {
        if (page) memory.free_page(page);
        if (p) memory.free(p);
        return nullptr;
    }
    pd.hold();
    status = abi::Status::Success;
    return new (p)
        Ec(memory, scheduler, pd, *static_cast<abi::Utcb*>(page), utcb_address, kind, cpu, stack, event_base, nullptr);
}

Ec* Ec::create_vcpu(Scheduler& scheduler, VcpuFactory& factory, Pd& pd, uint16_t cpu, abi::Selector event_base,
                    abi::Status& status) {
    KernelMemory& memory = pd.memory;
    status = abi::Status::OutOfMemory;
    void* p = memory.allocate<Ec>();
    void* page = memory.allocate_page();
    VcpuHw* hw = p && page ? factory.create(pd, cpu, status) : nullptr;
    if (!hw) {
        if (page) memory.free_page(page);
        if (p) memory.free(p);
        return nullptr;
    }
    pd.hold();
    status = abi::Status::Success;
    return new (p) Ec(memory, scheduler, pd, *static_cast<abi::Utcb*>(page), 0, Kind::Vcpu, cpu, 0, event_base, hw);
}

// The last reference is gone (its capabilities, and no SC or call chain
// holds it any more): whoever still waits on it is told.
void Ec::destroy(Kobject& self) {
    auto& ec = static_cast<Ec&>(self);
    ec.scheduler_.detach(ec);
    KernelMemory& memory = ec.memory_;
    Pd& pd = ec.pd;
    if (ec.vcpu)
        ec.vcpu->destroy();
    else
        pd.table(HOST_TABLE).unmap(ec.utcb_address / PAGE, 1);
    memory.free_page(&ec.utcb);
    ec.~Ec();
    memory.free(&ec);
    pd.release();
}

}  // namespace keel
