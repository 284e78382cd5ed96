// assign_int on x86: each I/O APIC pin (GSI) bound to a semaphore gets a
// vector of its own on the CPU it was bound to; its arrival ups the
// semaphore. Level-triggered pins (PCI, GSI 16 and up) are masked from
// arrival until the semaphore's next down, as in NOVA.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/interrupt_frame.hpp"
#include "hypervisor/kernel/interrupt_assigner.hpp"
#include "hypervisor/kernel/sm.hpp"
#include "lib/status.hpp"

namespace keel::x86 {

class GsiInterrupts final : public InterruptAssigner {
public:
    static constexpr uint8_t FIRST_VECTOR = 0x50;
    static constexpr unsigned MAX_GSIS = 24;  // vectors 0x50-0x67
    // Ups `sm` for an interrupt that arrived in `frame` (user level decides
    // who runs next).
    using Deliver = void (*)(Sm& sm, InterruptFrame& frame);

    // Lets the I/O APIC's message on `vector` to `apic_id` through an IOMMU
    // that blocks them (nullptr: there is none).
    using Remap = void (*)(uint8_t vector, uint32_t apic_id);

    // Masks every pin; NotFound without an I/O APIC. A pin's vector gets
    // its handler when the pin is bound.
    Status init(Deliver deliver);
    // Before the first line is bound.
    void set_remap(Remap remap) { remap_ = remap; }

    abi::Status assign(Sm& sm, uint16_t cpu, uint32_t gsi) override;
    void acknowledge(Sm& sm) override;

    // The kernel's own lines: the PIT (0, and 2 where it is wired there)
    // and COM1 (4); never given out.
    static constexpr bool kept(uint32_t gsi) { return gsi == 0 || gsi == 2 || gsi == 4; }

private:
    static void arrived(InterruptFrame& frame);

    struct Line {
        Sm* sm;
        bool level;
    };
    Line lines_[MAX_GSIS] = {};
    unsigned gsis_ = 0;
    Deliver deliver_ = nullptr;
    Remap remap_ = nullptr;
};

}  // namespace keel::x86
