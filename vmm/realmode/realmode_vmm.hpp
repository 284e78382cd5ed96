// A minimal VMM for real-mode guests: the built-in test guest, or a flat
// binary handed over as a Multiboot2 module ("module2 /boot/x.bin guest").
// It is the first tenant of the exit-portal interface: CPUID, port I/O, MSRs,
// HLT and nested page faults are answered here, not in the kernel. (Linked
// into the kernel image until the user-level VMM exists; it uses only the
// portal interface and GuestMemory.)
#pragma once
#include "../../hypervisor/kernel/frame_allocator.hpp"
#include "../../hypervisor/kernel/vm.hpp"
#include "lib/string.hpp"

namespace keel::vmm {

struct GuestImage {
    const uint8_t* bytes;
    uint64_t size;
    StringView name;
    uint16_t stack_top;  // initial SP; 0 is the top of the 64 KiB segment
    bool builtin;  // the built-in test guest: its memory probe is checked too
};

// Flat real-mode code runs at 1000:0000 and must leave the segment's last
// page to the stack.
constexpr uint64_t MAX_IMAGE_BYTES = 0xf000;

GuestImage builtin_test_guest();

struct GuestResult {
    bool passed;  // halted normally (and, built-in, after the expected work)
    virt::ExitMessage last;  // the exit that ended the run
    virt::ExitCounts counts;
};

[[nodiscard]] Status run_guest(FrameAllocator& frames, const GuestImage& image, GuestResult& result);

}  // namespace keel::vmm
