// A portal: an entry into a local EC at a fixed instruction pointer, with
// an id the handler receives on each call (ctrl_pt sets it) and the MTD of
// the vCPU state an exit portal transfers. Holds its handler EC.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"
#include "hypervisor/kernel/capability.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"

namespace keel {

class Ec;

class Pt final : public Kobject {
public:
    static Pt* create(KernelMemory& memory, Ec& handler, uint64_t mtd, uint64_t ip, abi::Status& status);

    Ec& handler;
    const uint64_t mtd, ip;
    uint64_t id = 0;

private:
    Pt(KernelMemory& memory, Ec& handler, uint64_t mtd, uint64_t ip);
    static void destroy(Kobject& self);

    KernelMemory& memory_;
};

}  // namespace keel
