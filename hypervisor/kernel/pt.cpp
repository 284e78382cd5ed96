#include "hypervisor/kernel/pt.hpp"

#include <new>

#include "hypervisor/kernel/ec.hpp"

namespace keel {

Pt::Pt(KernelMemory& memory, Ec& handler, uint64_t mtd, uint64_t ip)
    : Kobject(abi::ObjectType::Pt, destroy), handler(handler), mtd(mtd), ip(ip), memory_(memory) {}

Pt* Pt::create(KernelMemory& memory, Ec& handler, uint64_t mtd, uint64_t ip, abi::Status& status) {
    if (handler.kind != Ec::Kind::Local) {
        status = abi::Status::BadCapability;  // a portal leads into a local EC
        return nullptr;
    }
    void* p = memory.allocate<Pt>();
    if (!p) {
        status = abi::Status::OutOfMemory;
        return nullptr;
    }
    handler.hold();
    status = abi::Status::Success;
    return new (p) Pt(memory, handler, mtd, ip);
}

void Pt::destroy(Kobject& self) {
    auto& pt = static_cast<Pt&>(self);
    KernelMemory& memory = pt.memory_;
    Ec& handler = pt.handler;
    pt.~Pt();
    memory.free(&pt);
    handler.release();
}

}  // namespace keel
