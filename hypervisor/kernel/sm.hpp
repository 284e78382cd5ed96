// A counting semaphore. Interrupts will arrive as ups; a down that finds
// the count at zero parks the calling EC in the semaphore's queue (the
// scheduler does both, scheduler.hpp).
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"

namespace keel {

class Ec;
class Scheduler;

class Sm final : public Kobject {
public:
    // `scheduler` wakes the waiters when the semaphore goes (null in host
    // tests without threads).
    static Sm* create(KernelMemory& memory, Scheduler* scheduler, uint64_t count, abi::Status& status);

    void up() { ++count_; }
    // Success and one less, or Timeout without waiting (deadline reached).
    abi::Status try_down();
    uint64_t count() const { return count_; }

    Ec *waiters_head = nullptr, *waiters_tail = nullptr;  // FIFO

private:
    Sm(KernelMemory& memory, Scheduler* scheduler, uint64_t count);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
    Scheduler* scheduler_;
    uint64_t count_;
};

}  // namespace keel
