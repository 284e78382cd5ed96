#include "hypervisor/kernel/sm.hpp"

#include "hypervisor/kernel/scheduler.hpp"

#include <new>

namespace keel {

Sm::Sm(KernelMemory& memory, Scheduler* scheduler, uint64_t count)
    : Kobject(abi::ObjectType::Sm, destroy), memory_(memory), scheduler_(scheduler), count_(count) {}

Sm* Sm::create(KernelMemory& memory, Scheduler* scheduler, uint64_t count, abi::Status& status) {
    void* p = memory.allocate<Sm>();
    if (!p) {
        status = abi::Status::OutOfMemory;
        return nullptr;
    }
    status = abi::Status::Success;
    return new (p) Sm(memory, scheduler, count);
}

void Sm::destroy(Kobject& self) {
    auto& sm = static_cast<Sm&>(self);
    if (sm.scheduler_) sm.scheduler_->detach(sm);
    KernelMemory& memory = sm.memory_;
    sm.~Sm();
    memory.free(&sm);
}

abi::Status Sm::try_down() {
    if (count_ == 0) return abi::Status::Timeout;
    --count_;
    return abi::Status::Success;
}

}  // namespace keel
