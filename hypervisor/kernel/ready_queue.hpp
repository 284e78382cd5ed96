// One CPU's ready queue: the scheduling contexts that may run, by priority
// (255 highest), round robin within a priority. Intrusive, so making an SC
// ready allocates nothing; a bitmap finds the highest non-empty priority in
// a few instructions. Used with interrupts off on the CPU it belongs to.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel {

struct ReadyLink {
    ReadyLink *next = nullptr, *prev = nullptr;
    uint8_t priority = 0;
    bool queued = false;
};

class ReadyQueue {
public:
    static constexpr unsigned PRIORITIES = 256;

    // Appends to its priority's round (it runs after the others there).
    void enqueue(ReadyLink& sc);
    // Puts it first in its priority: an SC preempted before its quantum
    // ended resumes before its peers.
    void enqueue_front(ReadyLink& sc);
    void remove(ReadyLink& sc);
    // The highest-priority SC, first in its round; nullptr when idle.
    // (Inline: the scheduler asks on every exit and every call.)
    ReadyLink* first() const {
        if (!words_) return nullptr;
        unsigned word = 31 - unsigned(__builtin_clz(words_));
        return head_[word * 64 + 63 - unsigned(__builtin_clzll(present_[word]))];
    }
    // The first SC of its priority goes to the end of the round (its
    // quantum is used up).
    void rotate(uint8_t priority);
    bool empty() const;

private:
    void insert(ReadyLink& sc, bool front);

    ReadyLink* head_[PRIORITIES] = {};
    uint64_t present_[PRIORITIES / 64] = {};  // bit p: head_[p] non-empty
    uint32_t words_ = 0;  // bit w: present_[w] non-zero (the idle case in one test)
};

}  // namespace keel
