// A protection domain: the unit of isolation. It owns an object space, host
// and guest memory spaces, an I/O port space and an MSR space. Created
// empty; it holds only what is delegated to it.
#pragma once
#include "abi/layout.hpp"
#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/object_space.hpp"
#include "hypervisor/kernel/resource_space.hpp"

namespace keel {

// The tables behind a new PD's spaces: its page table (host memory), a
// nested page table (guest memory), I/O and MSR permission bitmaps; fakes
// in host tests. Made from the PD's own kernel memory; nullptr when its
// quota ran out.
class PdHardware {
public:
    virtual ResourceSpace::Hardware* table(abi::SpaceKind kind, KernelMemory& memory) = 0;
    virtual void release(abi::SpaceKind kind, ResourceSpace::Hardware* table, KernelMemory& memory) = 0;

protected:
    ~PdHardware() = default;
};

class Pd final : public Kobject {
public:
    // The user half outside the kernel window (abi/layout.hpp).
    static constexpr uint64_t HOST_FIRST = abi::USER_SPACE_BASE >> 12, HOST_END = abi::USER_END >> 12;
    // Guest-physical addresses below 128 TiB: what a four-level nested page
    // table's lower half holds (the table builder takes them as canonical
    // addresses; a larger guest page would break its invariant).
    static constexpr uint64_t GUEST_PAGES = uint64_t(1) << 35;
    static constexpr uint64_t PORTS = uint64_t(1) << 16;
    static constexpr uint64_t MSRS = uint64_t(1) << 32;
    static constexpr unsigned TABLES = 4;  // host, guest, pio, msr

    static constexpr uint8_t TOP_PRIORITY = 255;

    // A PD made from `owner` (its object lives there) with `quota` pages of
    // the owner's kernel memory as its own; OutOfMemory when the owner has
    // not that much left, or the quota cannot even hold the PD's tables.
    static Pd* create(KernelMemory& owner, PdHardware& hardware, abi::Status& status, uint64_t quota,
                      uint8_t max_priority = TOP_PRIORITY);

    // Its quota: where its tables and everything made from it come from.
    KernelMemory& memory;
    ObjectSpace objects;
    ResourceSpace host, guest, pio, msr;
    // The priority ceiling of SCs made from its memory, and of PDs made from
    // it: a PD given time cannot give itself or its children more.
    const uint8_t max_priority;

    // The space of a range descriptor's kind; nullptr for objects and null.
    ResourceSpace* space(abi::SpaceKind kind);
    // The table behind a space (host, guest, pio, msr in that order).
    ResourceSpace::Hardware& table(unsigned index) const { return *tables_[index]; }

private:
    Pd(KernelMemory& owner, KernelMemory& memory, PdHardware& hardware,
       ResourceSpace::Hardware* const (&tables)[TABLES], uint8_t max_priority);
    static void destroy(Kobject& self);

    KernelMemory& owner_;
    PdHardware& hardware_;
    ResourceSpace::Hardware* tables_[TABLES];
};

}  // namespace keel
