// A scheduling context: time on one CPU at a priority, in quanta of
// `budget_us`, bound to one global EC for its life. Donated along calls:
// whichever EC serves the call chain that starts at its EC runs on it.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/ready_queue.hpp"

namespace keel {

class Ec;
class Scheduler;

class Sc final : public Kobject {
public:
    static constexpr uint32_t MIN_BUDGET_US = 100, MAX_BUDGET_US = 1000000;

    // Binds a new SC to `ec` (a global EC without one) and makes it ready.
    static Sc* create(KernelMemory& memory, Scheduler& scheduler, Ec& ec, uint8_t priority, uint32_t budget_us,
                      abi::Status& status);

    struct Link : ReadyLink {
        Sc* owner;
    };

    Ec& ec;
    Link link;
    const uint32_t budget_us;
    int64_t left_us;  // of the current quantum
    uint64_t consumed_us = 0;

    static Sc& of(ReadyLink& link);

private:
    Sc(KernelMemory& memory, Scheduler& scheduler, Ec& ec, uint8_t priority, uint32_t budget_us);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
    Scheduler& scheduler_;
};

}  // namespace keel
