// What the generic kernel asks of a hardware virtualization backend (SVM
// today, VMX next) at boot: whether this CPU can host guests, and turning
// it on. vCPUs themselves are made through VcpuFactory (vcpu.hpp).
// Generic code includes this header only, never a vendor's.
#pragma once
#include <stdint.h>

#include "hypervisor/kernel/frame_allocator.hpp"
#include "lib/status.hpp"

namespace keel::virt {

struct Support {
    bool usable;  // virtualization with nested paging can be turned on
    const char* technology;  // "AMD SVM", "Intel VMX"
    const char* detail;  // one sentence: what was found, or why it cannot be used
    uint32_t asid_count;  // SVM: number of ASIDs
};

Support probe();
// Turns virtualization on for this CPU (once; again is a no-op).
[[nodiscard]] Status enable(FrameAllocator& frames);

}  // namespace keel::virt
