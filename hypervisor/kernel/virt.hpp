// What the generic kernel asks of a hardware virtualization backend (SVM
// today, VMX next). Generic code includes this header only, never a vendor's.
#pragma once
#include <stdint.h>

#include "frame_allocator.hpp"
#include "lib/status.hpp"
#include "vm_exit.hpp"

namespace keel::virt {

struct Support {
    bool usable;  // virtualization with nested paging can be turned on
    const char* technology;  // "AMD SVM", "Intel VMX"
    const char* detail;  // one sentence: what was found, or why it cannot be used
    uint32_t asid_count;  // SVM: number of ASIDs
};

Support probe();
// Turns virtualization on for this CPU.
[[nodiscard]] Status enable(FrameAllocator& frames);

enum Access : uint8_t { READ = 1, WRITE = 2, EXECUTE = 4 };

// A guest-physical address space (nested or extended page tables).
class GuestMemory {
public:
    [[nodiscard]] virtual Status map(uint64_t gpa, uint64_t hpa, uint64_t size, uint8_t access) = 0;
    [[nodiscard]] virtual Status translate(uint64_t gpa, uint64_t& hpa) const = 0;

protected:
    ~GuestMemory() = default;
};

// Where a new virtual CPU starts: real mode at cs:ip with a stack at ss:sp.
struct RealModeStart {
    uint16_t cs, ip, ss, sp;
};

// A virtual CPU. run() enters the guest and returns at the next exit;
// complete() writes the VMM's answer (registers) back before the next run().
class Vcpu {
public:
    [[nodiscard]] virtual Status run(ExitMessage& exit) = 0;
    virtual void complete(const ExitMessage& reply) = 0;

protected:
    ~Vcpu() = default;
};

[[nodiscard]] Status create_guest_memory(FrameAllocator& frames, GuestMemory*& out);
[[nodiscard]] Status create_vcpu(FrameAllocator& frames, GuestMemory& memory, const RealModeStart& start, Vcpu*& out);

}  // namespace keel::virt
