// An execution context: a thread of a PD (its registers and its UTCB) or,
// with the SVM backend, a vCPU. So far the kernel creates one, the root
// task's first thread; create_ec, portals and the scheduler come next.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "abi/utcb.hpp"
#include "hypervisor/arch/x86/interrupt_frame.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/pd.hpp"

namespace keel {

class Ec final : public Kobject {
public:
    // A thread in `pd` whose UTCB (a kernel page) appears at `utcb_address`
    // in the PD's kernel window (abi/layout.hpp). Holds the PD.
    static Ec* create(KernelMemory& memory, Pd& pd, uint64_t utcb_address, abi::Status& status);

    Pd& pd;
    abi::Utcb& utcb;  // as the kernel reaches it
    const uint64_t utcb_address;  // as the thread sees it
    x86::InterruptFrame regs = {};  // while it does not run

private:
    Ec(KernelMemory& memory, Pd& pd, abi::Utcb& utcb, uint64_t utcb_address);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
};

}  // namespace keel
