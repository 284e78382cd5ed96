#include "hypervisor/kernel/capability.hpp"

#include "lib/assert.hpp"

namespace keel {
namespace {

constinit Kobject* retired = nullptr;  // waiting for their destroy
constinit bool destroying = false;  // a retire() further up the stack runs the queue

}  // namespace

void Kobject::retire(Kobject& object) {
    KEEL_ASSERT(object.capabilities == 0);
    object.capabilities = reinterpret_cast<uintptr_t>(retired);
    retired = &object;
    if (destroying) return;
    destroying = true;
    while (Kobject* o = retired) {
        retired = reinterpret_cast<Kobject*>(o->capabilities);
        o->capabilities = 0;
        o->destroy(*o);
    }
    destroying = false;
}

}  // namespace keel

namespace keel::mdb {
namespace {

void unlink(MdbNode& node) {
    if (node.prev)
        node.prev->next = node.next;
    else if (node.parent)
        node.parent->first_child = node.next;
    if (node.next) node.next->prev = node.prev;
    node.parent = node.next = node.prev = nullptr;
}

// A leaf leaves the tree, then its space: which may free it.
void remove_leaf(MdbNode& node) {
    KEEL_ASSERT(!node.first_child && node.space);
    unlink(node);
    node.space->removed(node);
}

}  // namespace

void link(MdbNode& parent, MdbNode& child, uint8_t perms) {
    KEEL_ASSERT(&parent != &child && !child.parent && !child.first_child && child.space);
    child.perms = parent.perms & perms & abi::perm::ALL;
    child.parent = &parent;
    child.prev = nullptr;
    child.next = parent.first_child;
    if (parent.first_child) parent.first_child->prev = &child;
    parent.first_child = &child;
}

size_t revoke(MdbNode& node, bool children_only) {
    size_t removed = 0;
    // Post-order without recursion: descend to a leaf, remove it, repeat.
    MdbNode* at = &node;
    while (node.first_child) {
        while (at->first_child) at = at->first_child;
        MdbNode* parent = at->parent;
        remove_leaf(*at);
        ++removed;
        at = parent;
    }
    if (!children_only) {
        remove_leaf(node);
        ++removed;
    }
    return removed;
}

void reduce(MdbNode& node, uint8_t perms, bool children_only) {
    // Pre-order walk of the subtree, again without recursion.
    MdbNode* at = &node;
    for (;;) {
        if (at != &node || !children_only) {
            at->perms &= uint8_t(~perms);
            at->space->reduced(*at);
        }
        if (at->first_child) {
            at = at->first_child;
            continue;
        }
        while (at != &node && !at->next) at = at->parent;
        if (at == &node) return;
        at = at->next;
    }
}

void insert_root(Capability& to, Kobject& object, uint8_t perms) {
    KEEL_ASSERT(to.empty() && to.space && !to.parent);
    to.object = &object;
    to.perms = perms & abi::perm::ALL;
    ++object.capabilities;
}

void derive(Capability& from, Capability& to, uint8_t perms) {
    KEEL_ASSERT(!from.empty() && to.empty());
    link(from, to, perms);
    to.object = from.object;
    ++from.object->capabilities;
}

}  // namespace keel::mdb
