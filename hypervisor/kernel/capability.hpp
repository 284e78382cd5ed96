// Capabilities and their derivation tree (NOVA's mapping database, for
// object capabilities first). A capability is a slot in a PD's space that
// names a kernel object with permissions. Delegation copies it into another
// space as a child, never with more permissions; revoking one removes its
// whole subtree, in every space it reached. The tree is intrusive: the
// links live in the slots, so delegation allocates nothing but the slot.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/capability.hpp"

namespace keel {

class Space;

// The base of every kernel object: its type, and how many capabilities name
// it. When the last one is revoked, `destroy` (the type's own, which returns
// the object to its slab) runs: nothing can name the object any more.
class Kobject {
public:
    using Destroy = void (*)(Kobject&);
    const abi::ObjectType type;
    const Destroy destroy;
    uint64_t capabilities = 0;

protected:
    Kobject(abi::ObjectType t, Destroy d) : type(t), destroy(d) {}
    ~Kobject() = default;
};

struct Capability {
    Kobject* object = nullptr;  // nullptr: the slot is empty
    uint8_t perms = 0;
    // Derivation tree.
    Capability* parent = nullptr;
    Capability* first_child = nullptr;
    Capability *next = nullptr, *prev = nullptr;  // siblings
    Space* space = nullptr;  // where this slot lives
    abi::Selector selector = 0;

    bool empty() const { return object == nullptr; }
};

// What a space does when a capability leaves it (an object loses a
// reference; a memory space will clear a page-table entry and note the TLB
// flush), and where it finds a slot.
class Space {
public:
    // The slot for `sel`, creating storage for it when `create`; nullptr if
    // the selector is beyond the space or memory is exhausted.
    virtual Capability* slot(abi::Selector sel, bool create) = 0;
    // Called for every capability a revocation removes, children first.
    virtual void removed(Capability& cap) = 0;

protected:
    ~Space() = default;
};

namespace mdb {

// Puts `object` with `perms` into the empty slot `to` as a root (no parent):
// how the kernel hands out what it creates.
void insert_root(Capability& to, Kobject& object, uint8_t perms);
// Copies `from` into the empty slot `to` as its child, with the permissions
// of both `perms` and `from` (never more than the source has).
void derive(Capability& from, Capability& to, uint8_t perms);
// Removes everything derived from `cap`, and `cap` itself unless
// `children_only`; returns how many capabilities were removed. Iterative:
// a deep chain of delegations cannot overflow the kernel stack.
size_t revoke(Capability& cap, bool children_only);
// Takes `perms` away from `cap` and from everything derived from it.
void reduce(Capability& cap, uint8_t perms);

}  // namespace mdb
}  // namespace keel
