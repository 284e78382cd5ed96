// One family for every space of ranges a PD holds: host and guest memory
// (page number -> frame), I/O ports and MSRs (a port or MSR is itself:
// "identity" spaces). Which resources a PD may use, at which selectors, with
// which permissions. Every mapping is a node of the derivation tree: a
// resource reaches a space only by delegation from a space that holds it (a
// whitelist), and revoking a mapping undoes it and all that was delegated
// from it, everywhere, before the call returns. The kernel creates the only
// roots, for the root task at start-up, and never from what it keeps for
// itself: so a rule such as "TPM localities 1-4 are never mapped" or "the
// PCI configuration ports are the kernel's" is kept in one place.
//
// The tables behind a space (the PD's page table, a nested page table, an
// I/O or MSR permission bitmap) are the Hardware's: it maps, and on unmap
// leaves no stale permission behind (INVLPG, a flush of the guest's ASID).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/range_tree.hpp"

namespace keel {

// A node of the derivation tree (MdbNode) and of its space's tree of
// selectors (RangeNode: base and count are pages, ports or MSRs).
struct ResourceMapping : MdbNode, RangeNode {
    uint64_t frame = 0;  // the first frame (port, MSR) it stands for
};

class ResourceSpace final : public Space {
public:
    class Hardware {
    public:
        // Maps `count` pages from `page` to frames from `frame`; false when
        // page-table memory ran out (nothing stays mapped then).
        virtual bool map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) = 0;
        // Changes the permissions of mapped pages (fewer only).
        virtual void protect(uint64_t page, uint64_t count, uint8_t perms) = 0;
        // Unmaps, and returns only when no CPU can use the old translation.
        virtual void unmap(uint64_t page, uint64_t count) = 0;
        // Whether `page` is mapped (the kernel's own mappings in a PD's
        // kernel window, such as UTCBs, are checked with this).
        virtual bool mapped(uint64_t page) const = 0;

    protected:
        ~Hardware() = default;
    };

    // Selectors [first, end): the pages of the user half outside the
    // kernel window for a host space, guest-physical pages for a guest
    // space, every port or MSR. `nodes`: the kernel memory of the PD whose
    // space it is, which pays for its mapping nodes.
    // `identity`: a selector always stands for itself (ports, MSRs), so
    // delegation keeps it and a root must map it to itself.
    ResourceSpace(KernelMemory& nodes, Hardware& hardware, uint64_t first, uint64_t end, bool identity = false)
        : nodes_(nodes), hw_(hardware), first_(first), end_(end), identity_(identity) {}
    ~ResourceSpace();  // revokes what is left
    ResourceSpace(const ResourceSpace&) = delete;
    ResourceSpace& operator=(const ResourceSpace&) = delete;

    // The kernel, at start-up only: `count` frames from `frame` into this
    // space at `page`, as a root of the derivation tree.
    abi::Status grant_root(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms);
    // Delegates [page, page + count) of this space (it must lie within one
    // mapping) into `to` at `to_page`, with perms & the mapping's.
    abi::Status delegate(ResourceSpace& to, uint64_t page, uint64_t count, uint64_t to_page, uint8_t perms);
    // Revokes the mappings in [page, page + count) (each whole; one that
    // sticks out is BadParameter), and all delegated from them: with
    // perms == ALL they go, else those permissions are taken away.
    // children_only keeps this space's own mappings.
    abi::Status revoke(uint64_t page, uint64_t count, uint8_t perms, bool children_only);

    const ResourceMapping* lookup(uint64_t page) const;
    size_t mappings() const { return tree_.size(); }

    void removed(MdbNode& node) override;
    void reduced(MdbNode& node) override;

private:
    bool in_range(uint64_t page, uint64_t count) const {
        return count && page >= first_ && page < end_ && count <= end_ - page;
    }
    ResourceMapping* make(uint64_t page, uint64_t frame, uint64_t count);

    KernelMemory& nodes_;  // the space's PD's: it pays for its mappings
    Hardware& hw_;
    const uint64_t first_, end_;
    const bool identity_;
    RangeTree tree_;
};

}  // namespace keel
