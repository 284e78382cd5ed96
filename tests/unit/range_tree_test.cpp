// The AVL tree of a memory space's mappings (hypervisor/kernel/range_tree).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "hypervisor/kernel/range_tree.hpp"

using keel::RangeNode;
using keel::RangeTree;

TEST(RangeTree, FindsTheRangeCoveringAPageAndRefusesOverlaps) {
    RangeTree t;
    RangeNode a, b, c;
    a.base = 10, a.count = 5;
    b.base = 20, b.count = 1;
    c.base = 12, c.count = 4;
    EXPECT_TRUE(t.insert(a));
    EXPECT_TRUE(t.insert(b));
    EXPECT_FALSE(t.insert(c)) << "overlaps a";
    EXPECT_EQ(t.find(14), &a);
    EXPECT_EQ(t.find(15), nullptr);
    EXPECT_EQ(t.find(20), &b);
    EXPECT_EQ(t.find_overlap(0, 11), &a);
    EXPECT_EQ(t.find_overlap(15, 5), nullptr);
    RangeNode empty, wraps;
    empty.base = 30;
    wraps.base = ~uint64_t(0), wraps.count = 2;
    EXPECT_FALSE(t.insert(empty));
    EXPECT_FALSE(t.insert(wraps));
    t.remove(a);
    EXPECT_EQ(t.find(14), nullptr);
    EXPECT_TRUE(t.insert(c));
}

// Random inserts and removals against a plain list: same answers, and the
// height stays logarithmic (what bounds the kernel's recursion).
TEST(RangeTree, StaysBalancedUnderRandomChurn) {
    std::mt19937_64 rng(12345);
    std::vector<RangeNode> nodes(4000);
    std::vector<bool> in(nodes.size(), false);
    for (size_t i = 0; i < nodes.size(); ++i) nodes[i].base = i * 10, nodes[i].count = 1 + i % 9;
    RangeTree t;
    for (int step = 0; step < 40000; ++step) {
        size_t i = rng() % nodes.size();
        if (in[i])
            t.remove(nodes[i]);
        else
            ASSERT_TRUE(t.insert(nodes[i]));
        in[i] = !in[i];
        if (step % 1000 == 0) {
            size_t n = std::count(in.begin(), in.end(), true);
            ASSERT_EQ(t.size(), n);
            EXPECT_LE(t.height(), int(1.45 * std::log2(double(n) + 2)) + 1);
            for (size_t k = 0; k < nodes.size(); k += 97)
                EXPECT_EQ(t.find(nodes[k].base + nodes[k].count - 1), in[k] ? &nodes[k] : nullptr);
        }
    }
}
