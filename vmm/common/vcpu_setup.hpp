// A VMM's vCPU with its exit handling: the handler (a local EC with its own
// UTCB and stack), one portal per exit event whose id is the event (with
// the VMM's bits for which vCPU, where it has several), all
// calling `entry`, and the vCPU with its scheduling context, all on one
// CPU (portals are CPU-local).
#pragma once
#include <stdint.h>

#include "abi/capability.hpp"
#include "abi/event.hpp"
#include "abi/layout.hpp"
#include "abi/status.hpp"

namespace keel::vmm {

// What both VMMs give their one exit handler and vCPU: the UTCB page after
// the main thread's, and a priority below the VMM's own thread and the root
// task.
inline constexpr uint64_t HANDLER_UTCB = abi::UTCB_AREA + 0x1000;
inline constexpr uint8_t VCPU_PRIORITY = 50;
inline constexpr uint32_t VCPU_QUANTUM_US = 10000;

struct VcpuSetup {
    abi::Selector handler, vcpu, vcpu_sc, events;  // events: the base of VCPU_EVENT_COUNT portal selectors
    uint64_t handler_utcb, handler_stack_top;
    uint64_t (*portal_mtd)(abi::VcpuEvent);  // what each exit portal transfers
    void (*entry)(uint64_t event);
    uint16_t cpu;
    uint8_t priority;
    uint32_t quantum_us;
    uint64_t portal_id_base = 0;  // portal e's id: portal_id_base | e
};

// False (and prints what failed) if any of them cannot be made.
bool make_vcpu(const VcpuSetup& setup);
// True if `s` is Success; else prints "vmm: WHAT failed: STATUS".
bool succeeded(const char* what, abi::Status s);

}  // namespace keel::vmm
