// Capabilities and their derivation tree (NOVA's mapping database). Every
// delegable thing a PD holds (an object capability, a range of memory, I/O
// ports or MSRs) is a node in one tree: delegation adds a child in another
// PD's space, never with more permissions; revoking a node removes its whole
// subtree, in every space it reached. The links are intrusive, so delegation
// allocates nothing but the node itself.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/capability.hpp"

namespace keel {

struct MdbNode;

// Where nodes live. A space is told of every node a revocation takes from
// it, after the node has left the tree (children first): an object space
// drops the object's reference, a memory space unmaps the range, notes the
// TLB flush and frees the node.
class Space {
public:
    virtual void removed(MdbNode& node) = 0;
    // A node of this space lost permissions (mdb::reduce): a memory, port
    // or MSR space makes its tables follow.
    virtual void reduced(MdbNode& node) = 0;

protected:
    ~Space() = default;
};

struct MdbNode {
    uint8_t perms = 0;
    Space* space = nullptr;
    MdbNode* parent = nullptr;
    MdbNode* first_child = nullptr;
    MdbNode *next = nullptr, *prev = nullptr;  // siblings
};

// The base of every kernel object: its type, and how many references it has:
// the capabilities that name it (all in the derivation tree under the one
// made when it was created), plus the kernel's own holds (the root task's PD,
// which no revocation may destroy while it runs). When the last goes,
// `destroy` (the type's own, which returns the object to its slab) runs.
// A destroy releases what the object held, which may be the last reference
// to another object: those destroys run one after another, never nested, so
// a chain of objects each holding the next (PDs whose object spaces hold the
// next PD, ECs holding their PDs) costs the kernel's stack nothing per link.
class Kobject {
public:
    using Destroy = void (*)(Kobject&);
    const abi::ObjectType type;
    const Destroy destroy;
    uint64_t capabilities = 0;

    void hold() { ++capabilities; }
    void release() {
        if (--capabilities == 0 && destroy) retire(*this);
    }

protected:
    Kobject(abi::ObjectType t, Destroy d) : type(t), destroy(d) {}
    ~Kobject() = default;

private:
    // Queues `object` for its destroy; the outermost call runs the queue
    // until it is empty, so the release that started it returns only when
    // everything it brought down is gone. Under the kernel lock. The queue
    // is linked through `capabilities`, which is 0 and unused from then on
    // (a field of its own would move semaphores to a larger slab class).
    static void retire(Kobject& object);
};

// A slot of an object space.
struct Capability : MdbNode {
    Kobject* object = nullptr;  // nullptr: the slot is empty
    abi::Selector selector = 0;

    bool empty() const { return object == nullptr; }
};

namespace mdb {

// Links `child` under `parent` with the permissions both allow.
void link(MdbNode& parent, MdbNode& child, uint8_t perms);
// Removes everything derived from `node`, and `node` itself unless
// `children_only`; returns how many nodes were removed. Iterative: a deep
// chain of delegations cannot overflow the kernel stack.
size_t revoke(MdbNode& node, bool children_only);
// Takes `perms` away from everything derived from `node`, and from `node`
// itself unless `children_only`; each node's space is told.
void reduce(MdbNode& node, uint8_t perms, bool children_only);

// Object capabilities: `object` into the empty slot `to` as a root (how the
// kernel hands out what it creates), or a copy of `from` as its child.
void insert_root(Capability& to, Kobject& object, uint8_t perms);
void derive(Capability& from, Capability& to, uint8_t perms);

}  // namespace mdb
}  // namespace keel
