// A counting semaphore. Interrupts will arrive as ups; a down that would
// block parks the calling EC (with the scheduler; here the count only).
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"

namespace keel {

class Sm final : public Kobject {
public:
    static Sm* create(KernelMemory& memory, uint64_t count, abi::Status& status);

    void up() { ++count_; }
    // Success and one less, or Timeout without waiting (deadline reached).
    abi::Status try_down();
    uint64_t count() const { return count_; }

private:
    Sm(KernelMemory& memory, uint64_t count);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
    uint64_t count_;
};

}  // namespace keel
