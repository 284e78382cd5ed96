// Disjoint ranges [base, base + count) in an intrusive AVL tree keyed by
// base: a memory space's mappings, found by any page they cover in
// O(log n). Nodes are embedded in their owners; the tree allocates nothing.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel {

struct RangeNode {
    uint64_t base = 0, count = 0;
    RangeNode *left = nullptr, *right = nullptr;
    int height = 1;

    bool contains(uint64_t x) const { return x >= base && x - base < count; }
};

class RangeTree {
public:
    // False (and nothing changes) if the range is empty, wraps, or overlaps
    // one already in the tree.
    bool insert(RangeNode& node);
    void remove(RangeNode& node);
    // A node overlapping [base, base + count), or nullptr.
    RangeNode* find_overlap(uint64_t base, uint64_t count) const;
    RangeNode* find(uint64_t x) const { return find_overlap(x, 1); }
    size_t size() const { return size_; }
    // Longest path from the root: stays within 1.44 log2(n + 2).
    int height() const { return root_ ? root_->height : 0; }

private:
    RangeNode* root_ = nullptr;
    size_t size_ = 0;
};

}  // namespace keel
