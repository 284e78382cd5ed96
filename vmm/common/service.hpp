// A VMM's side of the root task's service (vmm/launch/vmm_start.hpp):
// console text, and its verdict when its VM ended.
#pragma once
#include <stddef.h>

#include "abi/utcb.hpp"
#include "vmm/launch/vmm_start.hpp"

namespace keel::vmm {

// Sends `bytes` of text through `utcb`. In an exit handler's UTCB
// (`keeps_vcpu_state`) the text goes above the vCPU state, which the reply
// still needs; word[0] (the state's MTD) the reply names anew. `portal`:
// the service portal on the caller's CPU.
void service_console(abi::Utcb* utcb, bool keeps_vcpu_state, const char* text, size_t bytes,
                     abi::Selector portal = SEL_SERVICE);
// The VM's end: passed or not.
void service_done(abi::Utcb* utcb, bool passed);

}  // namespace keel::vmm
