// A PD's object space: selector -> capability. A two-level table: the first
// level is part of the space, second-level pages of slots come from the
// page source on first use, so an empty space costs one small array and
// selectors stay O(1) to look up (every portal call looks one up).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/slab.hpp"

namespace keel {

class ObjectSpace final : public Space {
public:
    static constexpr size_t SLOTS_PER_PAGE = SlabCache::PAGE / sizeof(Capability);
    static constexpr size_t PAGES = 256;
    static constexpr abi::Selector SELECTORS = SLOTS_PER_PAGE * PAGES;

    explicit ObjectSpace(PageSource& pages) : pages_(pages) {}
    ~ObjectSpace();  // returns its pages; the capabilities must be revoked first
    ObjectSpace(const ObjectSpace&) = delete;
    ObjectSpace& operator=(const ObjectSpace&) = delete;

    // The slot for `sel`, creating its page when `create`; nullptr beyond
    // the space or when kernel memory is exhausted.
    Capability* slot(abi::Selector sel, bool create);
    // The object loses a reference; the last one destroys it.
    void removed(MdbNode& node) override;
    void reduced(MdbNode&) override {}  // permissions are read at each use

    // The capability at `sel` if it names an object of `type` with all of
    // `perms`; else nullptr (the hypercall answers BadCapability).
    Capability* lookup(abi::Selector sel, abi::ObjectType type, uint8_t perms);
    // Revokes every capability in the space (destroying a PD).
    size_t revoke_all();

private:
    PageSource& pages_;
    Capability* table_[PAGES] = {};
};

}  // namespace keel
