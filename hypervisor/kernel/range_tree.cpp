#include "hypervisor/kernel/range_tree.hpp"

#include "lib/assert.hpp"

namespace keel {
namespace {

int height(const RangeNode* n) { return n ? n->height : 0; }
void update(RangeNode* n) {
    int l = height(n->left), r = height(n->right);
    n->height = 1 + (l > r ? l : r);
}

RangeNode* rotate_right(RangeNode* n) {
    RangeNode* l = n->left;
    n->left = l->right;
    l->right = n;
    update(n);
    update(l);
    return l;
}

RangeNode* rotate_left(RangeNode* n) {
    RangeNode* r = n->right;
    n->right = r->left;
    r->left = n;
    update(n);
    update(r);
    return r;
}

RangeNode* balance(RangeNode* n) {
    update(n);
    int factor = height(n->left) - height(n->right);
    if (factor > 1) {
        if (height(n->left->left) < height(n->left->right)) n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (factor < -1) {
        if (height(n->right->right) < height(n->right->left)) n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    return n;
}

// Recursion depth is the tree's height: at most ~1.44 log2 n.
RangeNode* insert_at(RangeNode* at, RangeNode* node) {
    if (!at) return node;
    if (node->base < at->base)
        at->left = insert_at(at->left, node);
    else
        at->right = insert_at(at->right, node);
    return balance(at);
}

RangeNode* remove_min(RangeNode* at, RangeNode*& min) {
    if (!at->left) {
        min = at;
        return at->right;
    }
    at->left = remove_min(at->left, min);
    return balance(at);
}

RangeNode* remove_at(RangeNode* at, RangeNode* node) {
    KEEL_ASSERT(at);  // the node must be in the tree
    if (node->base < at->base) {
        at->left = remove_at(at->left, node);
    } else if (node->base > at->base) {
        at->right = remove_at(at->right, node);
    } else {
        KEEL_ASSERT(at == node);
        if (!at->right) return at->left;
        RangeNode* min = nullptr;
        RangeNode* right = remove_min(at->right, min);
        min->right = right;
        min->left = at->left;
        return balance(min);
    }
    return balance(at);
}

}  // namespace

bool RangeTree::insert(RangeNode& node) {
    if (node.count == 0 || node.base + node.count < node.base || find_overlap(node.base, node.count)) return false;
    node.left = node.right = nullptr;
    node.height = 1;
    root_ = insert_at(root_, &node);
    ++size_;
    return true;
}

void RangeTree::remove(RangeNode& node) {
    root_ = remove_at(root_, &node);
    node.left = node.right = nullptr;
    --size_;
}

RangeNode* RangeTree::find_overlap(uint64_t base, uint64_t count) const {
    uint64_t last = base + (count ? count - 1 : 0);
    for (RangeNode* at = root_; at;) {
        if (last < at->base)
            at = at->left;
        else if (base > at->base + (at->count - 1))
            at = at->right;
        else
            return at;
    }
    return nullptr;
}

}  // namespace keel
