// A vCPU's hardware half, as the generic kernel sees it: the SVM backend's
// VMCB today, a VMCS with the VMX backend. A vCPU is an EC (NOVA's model):
// each exit is an implicit call of the portal at its event base + the
// exit's event (abi/event.hpp); the scheduler moves the state the portal's
// MTD names into the handler's UTCB and the reply's back through this.
#pragma once
#include <stdint.h>

#include "abi/event.hpp"
#include "abi/status.hpp"
#include "abi/utcb.hpp"

namespace keel {

class Pd;

struct VcpuExit {
    bool host;  // a host interrupt or NMI, already handled: the guest just goes on
    abi::VcpuEvent event;
};

class VcpuHw {
public:
    // Enters the guest; returns at its next exit, with interrupts off again.
    virtual VcpuExit run() = 0;
    // The groups of `mtd` (abi/mtd.hpp) into `out`, for the exit's handler.
    virtual void save(uint64_t mtd, abi::VcpuState& out) = 0;
    // The handler's reply (the groups of in.mtd); BadParameter, and nothing
    // changed, for state the kernel refuses.
    [[nodiscard]] virtual abi::Status load(const abi::VcpuState& in) = 0;
    virtual void destroy() = 0;

protected:
    ~VcpuHw() = default;
};

// Makes the hardware half of a new vCPU of `pd`: it runs in the PD's guest
// memory space, starting in the architectural reset state (its VMM's
// start-up portal sets where it begins).
class VcpuFactory {
public:
    // A vCPU of `pd` that runs on CPU `cpu` only.
    virtual VcpuHw* create(Pd& pd, uint16_t cpu, abi::Status& status) = 0;

protected:
    ~VcpuFactory() = default;
};

}  // namespace keel
