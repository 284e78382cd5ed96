#include "hypervisor/kernel/pd.hpp"

#include <new>

namespace keel {
namespace {

constexpr abi::SpaceKind TABLE_KINDS[Pd::TABLES] = {abi::SpaceKind::HostMemory, abi::SpaceKind::GuestMemory,
                                                    abi::SpaceKind::Pio, abi::SpaceKind::Msr};

}  // namespace

Pd::Pd(KernelMemory& memory, PdHardware& hardware, ResourceSpace::Hardware* const (&tables)[TABLES],
       uint8_t max_priority)
    : Kobject(abi::ObjectType::Pd, destroy), objects(memory.pages),
      host(memory.mappings, *tables[0], HOST_FIRST, HOST_END), guest(memory.mappings, *tables[1], 0, GUEST_PAGES),
      pio(memory.mappings, *tables[2], 0, PORTS, true), msr(memory.mappings, *tables[3], 0, MSRS, true),
      max_priority(max_priority), memory_(memory),
      hardware_(hardware), tables_{tables[0], tables[1], tables[2], tables[3]} {}

Pd* Pd::create(KernelMemory& memory, PdHardware& hardware, abi::Status& status, uint8_t max_priority) {
    void* p = memory.pds.allocate();
    ResourceSpace::Hardware* tables[TABLES] = {};
    bool complete = p != nullptr;
    for (unsigned i = 0; complete && i < TABLES; ++i) complete = (tables[i] = hardware.table(TABLE_KINDS[i]));
    if (!complete) {
        for (unsigned i = 0; i < TABLES; ++i)
            if (tables[i]) hardware.release(TABLE_KINDS[i], tables[i]);
        if (p) memory.pds.free(p);
        status = abi::Status::OutOfMemory;
        return nullptr;
    }
    status = abi::Status::Success;
    return new (p) Pd(memory, hardware, tables, max_priority);
}

ResourceSpace* Pd::space(abi::SpaceKind kind) {
    switch (kind) {
    case abi::SpaceKind::HostMemory: return &host;
    case abi::SpaceKind::GuestMemory: return &guest;
    case abi::SpaceKind::Pio: return &pio;
    case abi::SpaceKind::Msr: return &msr;
    default: return nullptr;
    }
}

// The last capability to the PD is gone: what it holds goes too, and with
// it everything it delegated onwards.
void Pd::destroy(Kobject& self) {
    auto& pd = static_cast<Pd&>(self);
    KernelMemory& memory = pd.memory_;
    PdHardware& hardware = pd.hardware_;
    ResourceSpace::Hardware* tables[TABLES];
    for (unsigned i = 0; i < TABLES; ++i) tables[i] = pd.tables_[i];
    pd.objects.revoke_all();
    pd.~Pd();  // the resource spaces revoke what is left in them
    for (unsigned i = 0; i < TABLES; ++i) hardware.release(TABLE_KINDS[i], tables[i]);
    memory.pds.free(&pd);
}

}  // namespace keel
