#include "hypervisor/kernel/capability.hpp"

#include "hypervisor/lib/assert.hpp"

namespace keel::mdb {
namespace {

void link_child(Capability& parent, Capability& child) {
    child.parent = &parent;
    child.prev = nullptr;
    child.next = parent.first_child;
    if (parent.first_child) parent.first_child->prev = &child;
    parent.first_child = &child;
}

void unlink(Capability& cap) {
    if (cap.prev)
        cap.prev->next = cap.next;
    else if (cap.parent)
        cap.parent->first_child = cap.next;
    if (cap.next) cap.next->prev = cap.prev;
    cap.parent = cap.next = cap.prev = nullptr;
}

// Empties a leaf slot: the object loses a reference, the space is told.
void remove_leaf(Capability& cap) {
    KEEL_ASSERT(!cap.first_child && !cap.empty() && cap.object->capabilities > 0);
    unlink(cap);
    Kobject* object = cap.object;
    cap.space->removed(cap);
    cap.object = nullptr;
    cap.perms = 0;
    if (--object->capabilities == 0 && object->destroy) object->destroy(*object);
}

}  // namespace

void insert_root(Capability& to, Kobject& object, uint8_t perms) {
    KEEL_ASSERT(to.empty() && to.space);
    to.object = &object;
    to.perms = perms & abi::perm::ALL;
    to.parent = to.first_child = to.next = to.prev = nullptr;
    ++object.capabilities;
}

void derive(Capability& from, Capability& to, uint8_t perms) {
    KEEL_ASSERT(!from.empty() && to.empty() && to.space && &from != &to);
    to.object = from.object;
    to.perms = from.perms & perms & abi::perm::ALL;
    to.first_child = nullptr;
    link_child(from, to);
    ++from.object->capabilities;
}

size_t revoke(Capability& cap, bool children_only) {
    KEEL_ASSERT(!cap.empty());
    size_t removed = 0;
    // Post-order without recursion: descend to a leaf, remove it, repeat.
    Capability* node = &cap;
    while (cap.first_child) {
        while (node->first_child) node = node->first_child;
        Capability* parent = node->parent;
        remove_leaf(*node);
        ++removed;
        node = parent;
    }
    if (!children_only) {
        remove_leaf(cap);
        ++removed;
    }
    return removed;
}

void reduce(Capability& cap, uint8_t perms) {
    KEEL_ASSERT(!cap.empty());
    // Pre-order walk of the subtree, again without recursion.
    Capability* node = &cap;
    for (;;) {
        node->perms &= uint8_t(~perms);
        if (node->first_child) {
            node = node->first_child;
            continue;
        }
        while (node != &cap && !node->next) node = node->parent;
        if (node == &cap) return;
        node = node->next;
    }
}

}  // namespace keel::mdb
