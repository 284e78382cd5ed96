// A protection domain: the unit of isolation. It owns an object space and
// host and guest memory spaces (I/O port and MSR spaces come with the
// user-level step). Created empty; it holds only what is delegated to it.
#pragma once
#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/memory_space.hpp"
#include "hypervisor/kernel/object_space.hpp"

namespace keel {

// Page tables for a new PD's memory spaces: the PD's own (host) and a nested
// page table (guest); fakes in host tests.
class PdHardware {
public:
    virtual MemorySpace::Hardware* host_table() = 0;
    virtual MemorySpace::Hardware* guest_table() = 0;
    virtual void release(MemorySpace::Hardware* table) = 0;

protected:
    ~PdHardware() = default;
};

class Pd final : public Kobject {
public:
    static constexpr uint64_t HOST_PAGES = uint64_t(1) << 35;  // the lower half of a 48-bit address space
    static constexpr uint64_t GUEST_PAGES = uint64_t(1) << 40;  // 52-bit guest-physical addresses

    static Pd* create(KernelMemory& memory, PdHardware& hardware, abi::Status& status);

    ObjectSpace objects;
    MemorySpace host, guest;

private:
    Pd(KernelMemory& memory, PdHardware& hardware, MemorySpace::Hardware& host_table,
       MemorySpace::Hardware& guest_table);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
    PdHardware& hardware_;
    MemorySpace::Hardware &host_table_, &guest_table_;
};

}  // namespace keel
