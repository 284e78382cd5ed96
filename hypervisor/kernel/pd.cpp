#include "hypervisor/kernel/pd.hpp"

#include <new>

namespace keel {

Pd::Pd(KernelMemory& memory, PdHardware& hardware, MemorySpace::Hardware& host_table,
       MemorySpace::Hardware& guest_table)
    : Kobject(abi::ObjectType::Pd, destroy), objects(memory.pages), host(memory.mappings, host_table, HOST_PAGES),
      guest(memory.mappings, guest_table, GUEST_PAGES), memory_(memory), hardware_(hardware), host_table_(host_table),
      guest_table_(guest_table) {}

Pd* Pd::create(KernelMemory& memory, PdHardware& hardware, abi::Status& status) {
    void* p = memory.pds.allocate();
    MemorySpace::Hardware* host = p ? hardware.host_table() : nullptr;
    MemorySpace::Hardware* guest = host ? hardware.guest_table() : nullptr;
    if (!guest) {
        if (host) hardware.release(host);
        if (p) memory.pds.free(p);
        status = abi::Status::OutOfMemory;
        return nullptr;
    }
    status = abi::Status::Success;
    return new (p) Pd(memory, hardware, *host, *guest);
}

// The last capability to the PD is gone: what it holds goes too, and with
// it everything it delegated onwards.
void Pd::destroy(Kobject& self) {
    auto& pd = static_cast<Pd&>(self);
    KernelMemory& memory = pd.memory_;
    PdHardware& hardware = pd.hardware_;
    MemorySpace::Hardware *host = &pd.host_table_, *guest = &pd.guest_table_;
    pd.objects.revoke_all();
    pd.~Pd();  // the memory spaces revoke what is left in them
    hardware.release(host);
    hardware.release(guest);
    memory.pds.free(&pd);
}

}  // namespace keel
