#include "hypervisor/kernel/sm.hpp"

#include <new>

namespace keel {

Sm::Sm(KernelMemory& memory, uint64_t count) : Kobject(abi::ObjectType::Sm, destroy), memory_(memory), count_(count) {}

Sm* Sm::create(KernelMemory& memory, uint64_t count, abi::Status& status) {
    void* p = memory.sms.allocate();
    if (!p) {
        status = abi::Status::OutOfMemory;
        return nullptr;
    }
    status = abi::Status::Success;
    return new (p) Sm(memory, count);
}

void Sm::destroy(Kobject& self) {
    auto& sm = static_cast<Sm&>(self);
    KernelMemory& memory = sm.memory_;
    sm.~Sm();
    memory.sms.free(&sm);
}

abi::Status Sm::try_down() {
    if (count_ == 0) return abi::Status::Timeout;
    --count_;
    return abi::Status::Success;
}

}  // namespace keel
