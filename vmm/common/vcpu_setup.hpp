// A VMM's vCPU with its exit handling: the handler (a local EC with its own
// UTCB and stack), one portal per exit event whose id is the event, all
// calling `entry`, and the vCPU with its scheduling context, all on one
// CPU (portals are CPU-local).
#pragma once
#include <stdint.h>

#include "abi/capability.hpp"
#include "abi/event.hpp"
#include "abi/status.hpp"

namespace keel::vmm {

struct VcpuSetup {
    abi::Selector handler, vcpu, vcpu_sc, events;  // events: the base of VCPU_EVENT_COUNT portal selectors
    uint64_t handler_utcb, handler_stack_top;
    uint64_t (*portal_mtd)(abi::VcpuEvent);  // what each exit portal transfers
    void (*entry)(uint64_t event);
    uint16_t cpu;
    uint8_t priority;
    uint32_t quantum_us;
};

// False (and prints what failed) if any of them cannot be made.
bool make_vcpu(const VcpuSetup& setup);
// True if `s` is Success; else prints "vmm: WHAT failed: STATUS".
bool succeeded(const char* what, abi::Status s);

}  // namespace keel::vmm
