#include "hypervisor/kernel/pd.hpp"

#include <new>

namespace keel {
namespace {

constexpr abi::SpaceKind TABLE_KINDS[Pd::TABLES] = {abi::SpaceKind::HostMemory, abi::SpaceKind::GuestMemory,
                                                    abi::SpaceKind::Pio, abi::SpaceKind::Msr};

}  // namespace

Pd::Pd(KernelMemory& owner, KernelMemory& memory, PdHardware& hardware,
       ResourceSpace::Hardware* const (&tables)[TABLES], uint8_t max_priority)
    : Kobject(abi::ObjectType::Pd, destroy), memory(memory), objects(memory),
      host(memory, *tables[0], HOST_FIRST, HOST_END), guest(memory, *tables[1], 0, GUEST_PAGES),
      pio(memory, *tables[2], 0, PORTS, true), msr(memory, *tables[3], 0, MSRS, true), max_priority(max_priority),
      owner_(owner), hardware_(hardware), tables_{tables[0], tables[1], tables[2], tables[3]} {}

Pd* Pd::create(KernelMemory& owner, PdHardware& hardware, abi::Status& status, uint64_t quota, uint8_t max_priority) {
    status = abi::Status::OutOfMemory;
    void* p = owner.allocate<Pd>();
    if (!p) return nullptr;
    KernelMemory* memory = KernelMemory::create(owner, quota);
    if (!memory) {
        owner.free(p);
        return nullptr;
    }
    ResourceSpace::Hardware* tables[TABLES] = {};
    bool complete = true;
    for (unsigned i = 0; complete && i < TABLES; ++i) complete = (tables[i] = hardware.table(TABLE_KINDS[i], *memory));
    if (!complete) {
        for (unsigned i = 0; i < TABLES; ++i)
            if (tables[i]) hardware.release(TABLE_KINDS[i], tables[i], *memory);
        owner.free(p);
        memory->orphan();
        return nullptr;
    }
    status = abi::Status::Success;
    return new (p) Pd(owner, *memory, hardware, tables, max_priority);
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
    KernelMemory &owner = pd.owner_, &memory = pd.memory;
    PdHardware& hardware = pd.hardware_;
    ResourceSpace::Hardware* tables[TABLES];
    for (unsigned i = 0; i < TABLES; ++i) tables[i] = pd.tables_[i];
    pd.objects.revoke_all();
    pd.~Pd();  // the resource spaces revoke what is left in them
    for (unsigned i = 0; i < TABLES; ++i) hardware.release(TABLE_KINDS[i], tables[i], memory);
    owner.free(&pd);
    // Objects made from it may live on in other PDs (an SC, a semaphore):
    // its memory, and the owner's quota in it, goes with the last of them.
    memory.orphan();
}

}  // namespace keel
