// Runs a virtual CPU and delivers each exit to the VMM's portal for its
// reason. The kernel keeps counts and handles host interrupts; what an exit
// means for the guest is decided by the portal, never here.
#pragma once
#include "virt.hpp"

namespace keel::virt {

using Portal = ExitAction (*)(ExitMessage& msg, void* vmm);

struct ExitCounts {
    uint64_t by_reason[EXIT_REASON_COUNT] = {};
};

class VirtualMachine {
public:
    VirtualMachine(Vcpu& vcpu, void* vmm) : vcpu_(vcpu), vmm_(vmm) {}

    // A reason without a portal stops the guest.
    void set_portal(ExitReason reason, Portal portal) { portals_[unsigned(reason)] = portal; }

    // Runs until a portal answers Stop; `last` is the exit that stopped it.
    [[nodiscard]] Status run(ExitMessage& last);

    const ExitCounts& counts() const { return counts_; }

private:
    Vcpu& vcpu_;
    void* vmm_;
    Portal portals_[EXIT_REASON_COUNT] = {};
    ExitCounts counts_;
};

}  // namespace keel::virt
