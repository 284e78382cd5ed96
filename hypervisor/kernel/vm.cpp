#include "vm.hpp"

namespace keel::virt {

Status VirtualMachine::run(ExitMessage& msg) {
    for (;;) {
        if (Status s = vcpu_.run(msg); s != Status::Ok) return s;
        ++counts_.by_reason[unsigned(msg.reason)];
        // The host's interrupt was taken when the backend re-enabled
        // interrupts; the guest simply continues.
        if (msg.reason == ExitReason::Interrupt) continue;
        Portal portal = portals_[unsigned(msg.reason)];
        if (!portal || portal(msg, vmm_) == ExitAction::Stop) return Status::Ok;
        vcpu_.complete(msg);
    }
}

}  // namespace keel::virt
