// An SVM #VMEXIT as the ABI's vendor-neutral event (abi/event.hpp): which
// exit portal of the VMM it goes to, and its qualification in the layout
// utcb.hpp documents. Host interrupts and NMIs are the kernel's and never
// become an event. Pure: unit-tested on the host.
#pragma once
#include <stdint.h>

#include "abi/event.hpp"

namespace keel::x86::svm {

struct ExitEvent {
    bool host;  // a host interrupt or NMI: handled in the kernel, the guest resumes
    abi::VcpuEvent event;
    uint64_t qual[2];
};

ExitEvent exit_event(uint64_t code, uint64_t info1, uint64_t info2);

}  // namespace keel::x86::svm
