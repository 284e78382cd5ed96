// One vCPU's local APIC in xAPIC mode (x2APIC is not offered): the MMIO
// page at 0xfee00000, 32-bit registers at 16-byte aligned offsets (Intel SDM
// Vol. 3A, chapter 11). Version 0x14 with six LVT entries (timer, thermal,
// performance counters, LINT0, LINT1, error; no CMCI).
//
// Interrupts come in through accept() (an I/O APIC's or another APIC's
// fixed message, or the timer); the VMM injects pending_vector() when the
// vCPU can take it and calls acknowledge() as the INTA cycle would. EOI,
// ICR and the timer are the guest's registers; a write that must leave the
// APIC (an IPI, the EOI of a level-triggered vector the I/O APIC waits for)
// comes back as an Effect for the VMM to route: the model calls nothing.
//
// Time is the VMM's, in nanoseconds, as for the PIT: every register access
// and advance() first delivers the timer expiries due by then, and
// next_event_ns() says when the next one is. Pure: unit-tested.
#pragma once
#include <stdint.h>

#include "vmm/devices/apic_message.hpp"

namespace keel::vmm::dev {

class LocalApic {
public:
    static constexpr uint64_t BASE = 0xfee00000, SIZE = 0x1000;
    // The timer counts the bus clock through its divider; with a 1 GHz bus
    // one tick is one nanosecond before division, so counts and time convert
    // exactly. Linux calibrates the rate against the PIT or PM timer itself.
    static constexpr uint64_t BUS_HZ = 1000000000;
    static constexpr uint64_t NEVER = ~uint64_t(0);
    static constexpr uint32_t VERSION = 0x14 | 5u << 16;  // max LVT entry 5: six entries

    // Register offsets in the page (SDM Vol. 3A, "Local APIC Register
    // Address Map").
    enum Register : uint32_t {
        ID = 0x20,
        VERSION_REGISTER = 0x30,
        TPR = 0x80,
        APR = 0x90,
        PPR = 0xa0,
        EOI = 0xb0,
        RRD = 0xc0,
        LDR = 0xd0,
        DFR = 0xe0,
        SVR = 0xf0,
        ISR = 0x100,  // eight registers each, 0x10 apart
        TMR = 0x180,
        IRR = 0x200,
        ESR = 0x280,
        ICR_LOW = 0x300,
        ICR_HIGH = 0x310,
        LVT_TIMER = 0x320,  // then thermal, performance counters, LINT0, LINT1, error
        LVT_THERMAL = 0x330,
        LVT_PERFMON = 0x340,
        LVT_LINT0 = 0x350,
        LVT_LINT1 = 0x360,
        LVT_ERROR = 0x370,
        TIMER_INITIAL = 0x380,
        TIMER_CURRENT = 0x390,
        TIMER_DIVIDE = 0x3e0,
    };
    static constexpr uint32_t ESR_SEND_ILLEGAL_VECTOR = 1u << 5, ESR_RECEIVE_ILLEGAL_VECTOR = 1u << 6,
                              ESR_ILLEGAL_REGISTER = 1u << 7;
    static constexpr uint32_t SVR_ENABLE = 1u << 8, LVT_MASKED = 1u << 16;

    struct Eoi {
        bool done = false;  // an in-service vector ended (false: the ISR was empty)
        uint8_t vector = 0;
        bool level_triggered = false;  // then the VMM passes vector on to IoApic::eoi()
    };
    // What a register write asks of the VMM beyond the APIC itself.
    struct Effect {
        enum Kind : uint8_t { NONE, IPI, EOI } kind = NONE;
        ApicMessage ipi{};  // IPI: route it by addressed_by() on every local APIC
        Eoi eoi{};
    };

    explicit LocalApic(uint8_t id) : id_register_(uint32_t(id) << 24) { reset(); }
    // INIT (and power-on): every register to its initial value but the ID.
    void reset();

    // A guest MMIO access at `offset` in the page, size 1, 2 or 4. The
    // registers are dword-wide: a read within a register's first dword sees
    // its bytes, the rest of its 16 bytes read 0; a write that is not a whole
    // aligned dword is dropped. Unimplemented registers read 0 and set the
    // ESR's illegal register address bit.
    uint32_t read(uint32_t offset, unsigned size, uint64_t now_ns);
    Effect write(uint32_t offset, unsigned size, uint32_t value, uint64_t now_ns);

    // A fixed or lowest-priority interrupt arrives: false (and dropped) for
    // vectors 0-15, which set the ESR's receive illegal vector bit, and while
    // the APIC is software-disabled (KVM drops them too).
    bool accept(uint8_t vector, bool level_triggered);
    // The highest requested vector whose priority class is above the PPR's,
    // or -1: what the VMM may inject now.
    int pending_vector() const;
    // The vCPU took `vector` (IRR to ISR); false if it was not requested.
    bool acknowledge(uint8_t vector);
    // The guest's EOI: the highest in-service vector ends.
    Eoi eoi();

    // Delivers the timer's expiries due by now_ns; the VMM calls it at the
    // time next_event_ns() gave (NEVER: the timer will not interrupt, e.g.
    // stopped or masked), and asks again after each register write.
    void advance(uint64_t now_ns);
    uint64_t next_event_ns(uint64_t now_ns) const;

    // Routing. Physical: the APIC ID or 0xff for all. Logical: the LDR
    // against the destination in the DFR's flat or cluster model (0xff: all).
    bool matches(uint8_t destination, bool logical) const;
    // Whether message m reaches this APIC, its shorthand included;
    // is_sender: this APIC wrote the ICR.
    bool addressed_by(const ApicMessage& m, bool is_sender) const;

    // LINT0 unmasked in ExtINT mode: the PIC's INTR reaches the vCPU, and the
    // vector comes from the PIC's INTA, not from this APIC (virtual wire).
    bool extint_through_lint0() const;
    // The delivery mode the guest gave LINT0 or LINT1 (pin 0 or 1), and
    // whether it is masked: e.g. LINT1 as NMI.
    DeliveryMode lint_mode(unsigned pin) const;
    bool lint_masked(unsigned pin) const;

    uint8_t id() const { return uint8_t(id_register_ >> 24); }
    bool software_enabled() const { return svr_ & SVR_ENABLE; }
    uint8_t tpr() const { return uint8_t(tpr_); }
    uint8_t ppr() const;
    uint8_t apr() const;  // lowest-priority arbitration: the VMM may compare it
    uint32_t timer_current(uint64_t now_ns) const;

private:
    static constexpr unsigned LVT_COUNT = 6;
    enum Lvt : unsigned { TIMER, THERMAL, PERFMON, LINT0, LINT1, ERROR };

    uint32_t read_register(uint32_t offset, uint64_t now_ns, bool& implemented);
    Effect write_register(uint32_t offset, uint32_t value, uint64_t now_ns);
    void write_lvt(unsigned index, uint32_t value, uint64_t now_ns);
    void write_svr(uint32_t value);
    Effect write_icr(uint32_t value);
    void error(uint32_t bits);  // an ESR bit set; the error LVT may interrupt

    // The timer: ticks counted since TIMER_INITIAL was written, re-based at
    // (start_ns_, start_ticks_) whenever the divider changes.
    unsigned timer_mode() const { return lvt_[TIMER] >> 17 & 3; }  // 0 one-shot, 1 periodic, 2 TSC deadline
    uint64_t divisor() const;
    uint64_t timer_ticks(uint64_t now_ns) const;
    uint64_t expiries(uint64_t ticks) const;
    void write_lvt_timer(uint32_t value, uint64_t now_ns);
    void write_timer_initial(uint32_t value, uint64_t now_ns);
    void write_timer_divide(uint32_t value, uint64_t now_ns);

    uint32_t id_register_;  // the ID in bits 24-31; INIT keeps it
    uint32_t tpr_, ldr_, dfr_, svr_;
    uint32_t irr_[8], isr_[8], tmr_[8];
    uint32_t esr_, errors_;  // ESR as last latched, and the errors since
    uint32_t icr_low_, icr_high_;
    uint32_t lvt_[LVT_COUNT];
    uint32_t timer_initial_, timer_divide_;
    bool timer_armed_;  // counting towards an expiry (a one-shot disarms at zero)
    uint64_t timer_start_ns_, timer_start_ticks_, timer_expiries_seen_;
};

}  // namespace keel::vmm::dev
