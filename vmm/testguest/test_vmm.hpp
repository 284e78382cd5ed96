// A minimal VMM for the built-in test guest. It is the first tenant of the
// exit-portal interface: CPUID, port I/O, HLT and nested page faults are
// answered here, not in the kernel. (Linked into the kernel image until the
// user-level VMM exists; it uses only the portal interface and GuestMemory.)
#pragma once
#include "../../hypervisor/kernel/frame_allocator.hpp"
#include "../../hypervisor/kernel/vm.hpp"

namespace keel::vmm {

struct TestGuestResult {
    bool passed;  // halted normally after the expected work
    virt::ExitMessage last;  // the exit that ended the run
    virt::ExitCounts counts;
};

[[nodiscard]] Status run_test_guest(FrameAllocator& frames, TestGuestResult& result);

}  // namespace keel::vmm
