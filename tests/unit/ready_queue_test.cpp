// The scheduler's ready queue: highest priority first, round robin within
// a priority (hypervisor/kernel/ready_queue).
#include <gtest/gtest.h>

#include <vector>

#include "hypervisor/kernel/ready_queue.hpp"

using keel::ReadyLink;
using keel::ReadyQueue;

namespace {

ReadyLink sc(uint8_t priority) {
    ReadyLink l;
    l.priority = priority;
    return l;
}

}  // namespace

TEST(ReadyQueue, HighestPriorityRunsFirst) {
    ReadyQueue q;
    EXPECT_EQ(q.first(), nullptr);
    ReadyLink low = sc(1), mid = sc(64), high = sc(255), zero = sc(0);
    for (auto* l : {&low, &zero, &high, &mid}) q.enqueue(*l);
    EXPECT_EQ(q.first(), &high);
    q.remove(high);
    EXPECT_EQ(q.first(), &mid);
    q.remove(mid);
    EXPECT_EQ(q.first(), &low);
    q.remove(low);
    EXPECT_EQ(q.first(), &zero);
    q.remove(zero);
    EXPECT_TRUE(q.empty());
}

TEST(ReadyQueue, EqualPrioritiesTakeTurns) {
    ReadyQueue q;
    ReadyLink a = sc(7), b = sc(7), c = sc(7);
    q.enqueue(a);
    q.enqueue(b);
    q.enqueue(c);
    std::vector<ReadyLink*> order;
    for (int i = 0; i < 6; ++i) {
        order.push_back(q.first());
        q.rotate(7);
    }
    EXPECT_EQ(order, (std::vector<ReadyLink*>{&a, &b, &c, &a, &b, &c}));
    // A preempted SC resumes before its peers.
    q.remove(b);
    q.enqueue_front(b);
    EXPECT_EQ(q.first(), &b);
    q.remove(a);
    q.remove(c);
    EXPECT_EQ(q.first(), &b);
    q.remove(b);
    EXPECT_TRUE(q.empty());
}

TEST(ReadyQueueDeathTest, QueueingTwiceIsAnInvariantViolation) {
    ReadyQueue q;
    ReadyLink a = sc(3);
    q.enqueue(a);
    EXPECT_DEATH(q.enqueue(a), "invariant broken");
    ReadyLink b = sc(3);
    EXPECT_DEATH(q.remove(b), "invariant broken");
}
