// Capabilities: what a protection domain (PD) may name and do. A PD holds
// capabilities in its spaces; a selector is an index into one of them:
//   object space      selector -> a kernel object (PD, EC, SC, PT, SM) with permissions
//   host memory space selector = virtual address >> 12 -> a frame, with R/W/X
//   guest memory space selector = guest-physical address >> 12 (nested paging)
//   I/O port space    selector = port number
//   MSR space         selector = MSR index (guest access without an exit)
// Resources enter a space only by delegation from a space that holds them
// (ctrl_pd): a whitelist. Revoking a capability removes everything delegated
// from it, recursively.
#pragma once
#include <stdint.h>

namespace keel::abi {

using Selector = uint64_t;

enum class ObjectType : uint8_t { Pd, Ec, Sc, Pt, Sm };

// Permissions of an object capability, per type (5 bits; 0 means "no access
// but the object can be named", which delegation never produces).
namespace perm {
// PD: create objects in it, delegate from and to it.
inline constexpr uint8_t PD_CREATE = 1 << 0;  // create PDs, ECs, SCs, PTs, SMs whose owner is this PD
inline constexpr uint8_t PD_DELEGATE = 1 << 1;  // ctrl_pd: take from or grant to its spaces
// EC: bind portals and scheduling contexts to it, recall it.
inline constexpr uint8_t EC_BIND = 1 << 0;
inline constexpr uint8_t EC_RECALL = 1 << 1;
// SC: read its consumed time.
inline constexpr uint8_t SC_CTRL = 1 << 0;
// PT: call it; set its id.
inline constexpr uint8_t PT_CALL = 1 << 0;
inline constexpr uint8_t PT_CTRL = 1 << 1;
// SM: up, down, bind an interrupt to it.
inline constexpr uint8_t SM_UP = 1 << 0;
inline constexpr uint8_t SM_DOWN = 1 << 1;
inline constexpr uint8_t SM_ASSIGN = 1 << 2;
// Memory (host and guest spaces).
inline constexpr uint8_t MEM_R = 1 << 0;
inline constexpr uint8_t MEM_W = 1 << 1;
inline constexpr uint8_t MEM_X = 1 << 2;
// I/O ports: access; MSRs: read, write without an exit.
inline constexpr uint8_t PIO_ACCESS = 1 << 0;
inline constexpr uint8_t MSR_R = 1 << 0;
inline constexpr uint8_t MSR_W = 1 << 1;
inline constexpr uint8_t ALL = 0x1f;
}  // namespace perm

// Which space a capability range descriptor names.
enum class SpaceKind : uint8_t { Null, Object, HostMemory, GuestMemory, Pio, Msr };
inline constexpr uint8_t SPACE_KIND_COUNT = 6;

// Capability range descriptor: 2^order selectors from base (base aligned to
// 2^order), with permissions. One 64-bit word:
//   bits 0-2 kind, 3-7 permissions, 8-13 order, 14-63 base.
struct Crd {
    uint64_t raw = 0;

    static constexpr unsigned MAX_ORDER = 63;
    static constexpr uint64_t MAX_BASE = (uint64_t(1) << 50) - 1;

    constexpr Crd() = default;
    constexpr explicit Crd(uint64_t value) : raw(value) {}
    constexpr Crd(SpaceKind kind, uint64_t base, unsigned order, uint8_t perms)
        : raw(uint64_t(kind) | uint64_t(perms & perm::ALL) << 3 | uint64_t(order & 0x3f) << 8 | base << 14) {}

    constexpr SpaceKind kind() const { return SpaceKind(raw & 7); }
    constexpr uint8_t perms() const { return uint8_t(raw >> 3 & perm::ALL); }
    constexpr unsigned order() const { return unsigned(raw >> 8 & 0x3f); }
    constexpr uint64_t base() const { return raw >> 14; }
    // Well-formed: a known kind, a base aligned to the order, a range that
    // does not run past the selector space.
    constexpr bool valid() const {
        if (uint8_t(kind()) >= SPACE_KIND_COUNT || kind() == SpaceKind::Null) return false;
        if (order() > 50) return false;
        uint64_t count = uint64_t(1) << order();
        return (base() & (count - 1)) == 0 && base() <= MAX_BASE + 1 - count;
    }
};

// Selectors every PD's object space starts with, filled by create_pd and
// create_ec for the new PD's first EC: the PD itself, and for the root task
// its first EC and SC.
inline constexpr Selector SEL_OWN_PD = 0;
inline constexpr Selector SEL_OWN_EC = 1;
inline constexpr Selector SEL_OWN_SC = 2;
inline constexpr Selector SEL_FIRST_FREE = 32;  // below: reserved for the kernel's initial capabilities

}  // namespace keel::abi
