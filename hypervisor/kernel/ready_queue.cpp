#include "hypervisor/kernel/ready_queue.hpp"

#include "lib/assert.hpp"

namespace keel {

// Each priority's round is a circular doubly linked list; head_ is its first.
void ReadyQueue::insert(ReadyLink& sc, bool front) {
    KEEL_ASSERT(!sc.queued);
    ReadyLink*& head = head_[sc.priority];
    if (!head) {
        sc.next = sc.prev = &sc;
        head = &sc;
        present_[sc.priority / 64] |= uint64_t(1) << (sc.priority % 64);
        words_ |= 1u << (sc.priority / 64);
    } else {
        sc.next = head;
        sc.prev = head->prev;
        head->prev->next = &sc;
        head->prev = &sc;
        if (front) head = &sc;
    }
    sc.queued = true;
}

void ReadyQueue::enqueue(ReadyLink& sc) { insert(sc, false); }
void ReadyQueue::enqueue_front(ReadyLink& sc) { insert(sc, true); }

void ReadyQueue::remove(ReadyLink& sc) {
    KEEL_ASSERT(sc.queued);
    ReadyLink*& head = head_[sc.priority];
    if (sc.next == &sc) {
        KEEL_ASSERT(head == &sc);
        head = nullptr;
        present_[sc.priority / 64] &= ~(uint64_t(1) << (sc.priority % 64));
        if (!present_[sc.priority / 64]) words_ &= ~(1u << (sc.priority / 64));
    } else {
        sc.prev->next = sc.next;
        sc.next->prev = sc.prev;
        if (head == &sc) head = sc.next;
    }
    sc.next = sc.prev = nullptr;
    sc.queued = false;
}

void ReadyQueue::rotate(uint8_t priority) {
    if (head_[priority]) head_[priority] = head_[priority]->next;
}

bool ReadyQueue::empty() const { return first() == nullptr; }

}  // namespace keel
