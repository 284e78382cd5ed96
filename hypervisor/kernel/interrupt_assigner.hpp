// assign_int's back end: the interrupt controller of this machine, which
// turns a device's interrupt into an up of a semaphore (NOVA's model: the
// driver downs the semaphore to wait for its device). The hypercall layer
// checks who asks (the root task) and for what.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"

namespace keel {

class Sm;

class InterruptAssigner {
public:
    // Interrupt `gsi` ups `sm` on CPU `cpu` from now on. BadDevice: no such
    // GSI or one the kernel keeps; Busy: already another semaphore's.
    virtual abi::Status assign(Sm& sm, uint16_t cpu, uint32_t gsi) = 0;
    // A thread downs `sm`: the interrupts bound to it may come again (a
    // level-triggered line is masked from its arrival until then, so a
    // device that keeps it asserted cannot flood the CPU).
    virtual void acknowledge(Sm& sm) = 0;

protected:
    ~InterruptAssigner() = default;
};

}  // namespace keel
