// The local APIC as Linux drives it (arch/x86/kernel/apic/apic.c:
// setup_local_APIC, the lapic clockevent, smpboot's INIT/SIPI), read through
// its MMIO registers on a simulated clock.
#include <gtest/gtest.h>

#include <cstdint>

#include "vmm/devices/local_apic.hpp"

namespace keel::vmm::dev {
namespace {

using R = LocalApic::Register;

struct Apic {
    LocalApic apic{0};
    uint64_t now = 1'000'000;
    uint32_t rd(uint32_t reg) { return apic.read(reg, 4, now); }
    LocalApic::Effect wr(uint32_t reg, uint32_t v) { return apic.write(reg, 4, v, now); }
    void enable() { wr(R::SVR, 0x1ff); }
    // The vCPU takes what is pending: the VMM's injection.
    int take() {
        int v = apic.pending_vector();
        if (v >= 0) { EXPECT_TRUE(apic.acknowledge(uint8_t(v))); }
        return v;
    }
    bool bit(uint32_t base, uint8_t v) { return rd(base + 0x10 * (v >> 5)) >> (v & 31) & 1; }
};

TEST(LocalApic, RegistersStartAsAfterPowerOn) {
    LocalApic apic(3);
    EXPECT_EQ(apic.read(R::ID, 4, 0), 3u << 24);
    EXPECT_EQ(apic.read(R::VERSION_REGISTER, 4, 0), 0x00050014u) << "version 0x14, max LVT entry 5";
    EXPECT_EQ(apic.read(R::SVR, 4, 0), 0xffu) << "software-disabled, spurious vector 0xff";
    EXPECT_EQ(apic.read(R::DFR, 4, 0), 0xffffffffu) << "flat model";
    EXPECT_EQ(apic.read(R::LDR, 4, 0), 0u);
    EXPECT_EQ(apic.read(R::TPR, 4, 0), 0u);
    for (uint32_t lvt = R::LVT_TIMER; lvt <= R::LVT_ERROR; lvt += 0x10)
        EXPECT_EQ(apic.read(lvt, 4, 0), LocalApic::LVT_MASKED) << std::hex << lvt;
    EXPECT_EQ(apic.pending_vector(), -1);
    EXPECT_FALSE(apic.extint_through_lint0());
    EXPECT_EQ(apic.id(), 3);
}

// setup_local_APIC() on the BSP: TPR 0, flat logical ID, SVR enabled, LINT0
// as ExtINT (virtual wire to the PIC), LINT1 as NMI, the error vector.
TEST(LocalApic, LinuxSetupMakesLint0TheVirtualWire) {
    Apic a;
    a.wr(R::TPR, 0);
    a.wr(R::DFR, 0xffffffff);
    a.wr(R::LDR, 1u << 24);
    a.wr(R::SVR, 0x1ff);
    EXPECT_TRUE(a.apic.software_enabled());
    a.wr(R::LVT_LINT0, 0x700);
    a.wr(R::LVT_LINT1, 0x400);
    a.wr(R::LVT_ERROR, 0xfe);
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), 0u);
    EXPECT_TRUE(a.apic.extint_through_lint0());
    EXPECT_EQ(a.apic.lint_mode(1), DeliveryMode::NMI);
    EXPECT_FALSE(a.apic.lint_masked(1));
    a.wr(R::LVT_LINT0, 0x10700);
    EXPECT_FALSE(a.apic.extint_through_lint0()) << "masked: the PIC no longer reaches the vCPU";
    EXPECT_EQ(a.rd(R::LDR), 1u << 24);
}

TEST(LocalApic, ReadOnlyBitsAndRegistersIgnoreWrites) {
    Apic a;
    a.enable();
    a.wr(R::VERSION_REGISTER, 0);
    EXPECT_EQ(a.rd(R::VERSION_REGISTER), LocalApic::VERSION);
    a.wr(R::TPR, 0xffffffff);
    EXPECT_EQ(a.rd(R::TPR), 0xffu);
    a.wr(R::LDR, 0xffffffff);
    EXPECT_EQ(a.rd(R::LDR), 0xff000000u);
    a.wr(R::DFR, 0);
    EXPECT_EQ(a.rd(R::DFR), 0x0fffffffu) << "only the model bits are writable";
    a.wr(R::SVR, 0xffffffff);
    EXPECT_EQ(a.rd(R::SVR), 0x3ffu) << "no EOI-broadcast suppression";
    a.wr(R::LVT_TIMER, 0xffffffff);
    EXPECT_EQ(a.rd(R::LVT_TIMER), 0x000700ffu) << "delivery status reads idle";
    a.wr(R::LVT_LINT0, 0xffffffff);
    EXPECT_EQ(a.rd(R::LVT_LINT0), 0x0001a7ffu) << "remote IRR is not the guest's";
    a.wr(R::LVT_ERROR, 0xffffffff);
    EXPECT_EQ(a.rd(R::LVT_ERROR), 0x000100ffu);
    a.wr(R::TIMER_DIVIDE, 0xffffffff);
    EXPECT_EQ(a.rd(R::TIMER_DIVIDE), 0xbu);
    a.wr(R::ICR_HIGH, 0xffffffff);
    EXPECT_EQ(a.rd(R::ICR_HIGH), 0xff000000u);
    a.wr(R::ID, 0x07ffffff);
    EXPECT_EQ(a.rd(R::ID), 0x07000000u);
    EXPECT_EQ(a.apic.id(), 7);
    a.apic.accept(0x40, false);
    a.wr(R::IRR + 0x20, 0);
    EXPECT_TRUE(a.bit(R::IRR, 0x40));
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), 0u) << "writing a read-only register is no error";
}

TEST(LocalApic, TprMasksPriorityClassesAtOrBelowIt) {
    Apic a;
    a.enable();
    EXPECT_TRUE(a.apic.accept(0x45, false));
    a.wr(R::TPR, 0x40);
    EXPECT_EQ(a.apic.pending_vector(), -1) << "class 4 is not above TPR class 4";
    EXPECT_EQ(a.rd(R::PPR), 0x40u);
    a.wr(R::TPR, 0x3f);
    EXPECT_EQ(a.apic.pending_vector(), 0x45);
    EXPECT_EQ(a.rd(R::PPR), 0x3fu) << "PPR is the TPR, sub-class included, when no higher class is in service";
    a.wr(R::TPR, 0xf0);
    EXPECT_EQ(a.apic.pending_vector(), -1);
    a.wr(R::TPR, 0);
    EXPECT_EQ(a.take(), 0x45);
    EXPECT_EQ(a.rd(R::PPR), 0x40u) << "the in-service class";
    EXPECT_TRUE(a.bit(R::ISR, 0x45));
    EXPECT_FALSE(a.bit(R::IRR, 0x45));
}

TEST(LocalApic, InServiceClassHoldsBackItsOwnAndLowerClasses) {
    Apic a;
    a.enable();
    a.apic.accept(0x45, false);
    EXPECT_EQ(a.take(), 0x45);
    a.apic.accept(0x48, false);
    a.apic.accept(0x31, false);
    EXPECT_EQ(a.apic.pending_vector(), -1) << "0x48 is in the same class as 0x45";
    a.apic.accept(0x51, false);
    EXPECT_EQ(a.apic.pending_vector(), 0x51) << "a higher class nests";
    EXPECT_FALSE(a.apic.acknowledge(0x60)) << "nothing requested at 0x60";
}

TEST(LocalApic, EoiEndsTheHighestInServiceVectorFirst) {
    Apic a;
    a.enable();
    a.apic.accept(0x30, false);
    EXPECT_EQ(a.take(), 0x30);
    a.apic.accept(0x80, false);
    EXPECT_EQ(a.take(), 0x80);
    a.apic.accept(0x33, false);
    EXPECT_EQ(a.apic.pending_vector(), -1);
    LocalApic::Effect e = a.wr(R::EOI, 0);
    ASSERT_EQ(e.kind, LocalApic::Effect::EOI);
    EXPECT_EQ(e.eoi.vector, 0x80);
    EXPECT_FALSE(e.eoi.level_triggered);
    EXPECT_EQ(a.rd(R::PPR), 0x30u);
    EXPECT_EQ(a.apic.pending_vector(), -1) << "0x33 waits for 0x30's class to end";
    e = a.wr(R::EOI, 0);
    EXPECT_EQ(e.eoi.vector, 0x30);
    EXPECT_EQ(a.take(), 0x33);
    a.wr(R::EOI, 0);
    e = a.wr(R::EOI, 0);
    EXPECT_EQ(e.kind, LocalApic::Effect::NONE) << "nothing in service: nothing to report";
    EXPECT_EQ(a.rd(R::PPR), 0u);
}

TEST(LocalApic, LevelTriggeredEoiNamesTheVectorForTheIoApic) {
    Apic a;
    a.enable();
    a.apic.accept(0x61, true);
    EXPECT_TRUE(a.bit(R::TMR, 0x61));
    EXPECT_EQ(a.take(), 0x61);
    LocalApic::Effect e = a.wr(R::EOI, 0);
    ASSERT_EQ(e.kind, LocalApic::Effect::EOI);
    EXPECT_TRUE(e.eoi.level_triggered);
    EXPECT_EQ(e.eoi.vector, 0x61);
    a.apic.accept(0x61, false);  // the same vector, now edge
    EXPECT_FALSE(a.bit(R::TMR, 0x61));
    a.take();
    EXPECT_FALSE(a.apic.eoi().level_triggered);
}

TEST(LocalApic, SoftwareDisableMasksEveryLvtUntilWrittenAgain) {
    Apic a;
    a.enable();
    a.wr(R::LVT_LINT0, 0x700);
    a.wr(R::LVT_TIMER, 0x200ec);
    a.wr(R::SVR, 0xff);
    EXPECT_FALSE(a.apic.software_enabled());
    for (uint32_t lvt = R::LVT_TIMER; lvt <= R::LVT_ERROR; lvt += 0x10)
        EXPECT_TRUE(a.rd(lvt) & LocalApic::LVT_MASKED) << std::hex << lvt;
    EXPECT_EQ(a.rd(R::LVT_TIMER), 0x300ecu) << "the rest of the entry stays";
    a.wr(R::LVT_LINT0, 0x700);
    EXPECT_EQ(a.rd(R::LVT_LINT0), 0x10700u) << "cannot be unmasked while disabled";
    EXPECT_FALSE(a.apic.extint_through_lint0());
    EXPECT_FALSE(a.apic.accept(0x50, false)) << "fixed interrupts are dropped while disabled";
    a.enable();
    EXPECT_TRUE(a.rd(R::LVT_LINT0) & LocalApic::LVT_MASKED) << "enabling unmasks nothing";
    a.wr(R::LVT_LINT0, 0x700);
    EXPECT_TRUE(a.apic.extint_through_lint0());
}

TEST(LocalApic, EsrLatchesErrorsOnWriteAndIllegalVectorsAreRefused) {
    Apic a;
    a.enable();
    EXPECT_FALSE(a.apic.accept(15, false));
    EXPECT_EQ(a.apic.pending_vector(), -1);
    EXPECT_EQ(a.rd(R::ESR), 0u) << "errors show only after a write to the ESR";
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), LocalApic::ESR_RECEIVE_ILLEGAL_VECTOR);
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), 0u) << "the next write latches the errors since";
    EXPECT_TRUE(a.apic.accept(16, false)) << "16 is the first legal vector";
}

TEST(LocalApic, AnErrorInterruptsThroughTheErrorLvt) {
    Apic a;
    a.enable();
    a.wr(R::LVT_ERROR, 0xfe);
    a.apic.accept(3, false);
    EXPECT_EQ(a.apic.pending_vector(), 0xfe);
    a.wr(R::ICR_LOW, 0x4005);  // fixed, vector 5: the sender's error
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), LocalApic::ESR_RECEIVE_ILLEGAL_VECTOR | LocalApic::ESR_SEND_ILLEGAL_VECTOR);
}

TEST(LocalApic, UnimplementedRegistersReadZeroAndSetTheIllegalRegisterError) {
    Apic a;
    a.enable();
    for (uint32_t reg : {0x00u, 0x10u, 0x40u, 0x70u, 0x290u, 0x2f0u, 0x3a0u, 0x3f0u, 0xff0u}) {
        EXPECT_EQ(a.rd(reg), 0u) << std::hex << reg;
        a.wr(reg, 0xffffffff);
    }
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), LocalApic::ESR_ILLEGAL_REGISTER);
    EXPECT_EQ(a.apic.read(0x1000, 4, 0), 0u) << "beyond the page";
    EXPECT_EQ(a.apic.read(R::SVR, 8, 0), 0u) << "no 8-byte registers";
    EXPECT_EQ(a.apic.read(R::SVR + 1, 1, 0), 0x01u) << "a byte of a register";
    EXPECT_EQ(a.apic.read(R::SVR, 2, 0), 0x1ffu);
    EXPECT_EQ(a.apic.read(R::SVR + 4, 4, 0), 0u) << "the rest of the slot";
    EXPECT_EQ(a.apic.read(R::SVR + 3, 2, 0), 0u) << "across the dword";
    a.apic.write(R::TPR, 1, 0x50, 0);
    a.apic.write(R::TPR + 4, 4, 0x50, 0);
    EXPECT_EQ(a.rd(R::TPR), 0u) << "only whole aligned dwords are written";
}

TEST(LocalApic, ArbitrationPriorityFollowsTheSdm) {
    Apic a;
    a.enable();
    a.wr(R::TPR, 0x35);
    EXPECT_EQ(a.rd(R::APR), 0x35u) << "nothing requested or in service: the TPR";
    a.apic.accept(0x52, false);
    EXPECT_EQ(a.rd(R::APR), 0x50u) << "a requested higher class";
    a.take();
    EXPECT_EQ(a.rd(R::APR), 0x50u) << "an in-service higher class";
    a.wr(R::TPR, 0x65);
    EXPECT_EQ(a.rd(R::APR), 0x65u);
}

// --- the timer -----------------------------------------------------------

TEST(LocalApic, OneShotTimerCountsDownAndInterruptsOnce) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0xb);  // divide by 1: one tick per ns
    a.wr(R::LVT_TIMER, 0xec);
    uint64_t start = a.now;
    a.wr(R::TIMER_INITIAL, 1000);
    EXPECT_EQ(a.apic.next_event_ns(a.now), start + 1000);
    a.now = start + 400;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 600u);
    EXPECT_EQ(a.rd(R::TIMER_INITIAL), 1000u);
    a.apic.advance(start + 999);
    EXPECT_EQ(a.apic.pending_vector(), -1) << "not a nanosecond early";
    a.apic.advance(start + 1000);
    EXPECT_EQ(a.apic.pending_vector(), 0xec);
    EXPECT_EQ(a.apic.next_event_ns(start + 1000), LocalApic::NEVER);
    a.now = start + 5000;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 0u) << "stays at zero";
    EXPECT_EQ(a.take(), 0xec);
    a.wr(R::EOI, 0);
    a.apic.advance(start + 100000);
    EXPECT_EQ(a.apic.pending_vector(), -1);
}

TEST(LocalApic, PeriodicTimerReloadsWithTheDivider) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0x3);  // divide by 16
    a.wr(R::LVT_TIMER, 0x200ef);
    uint64_t start = a.now;
    a.wr(R::TIMER_INITIAL, 100);  // a period of 1600 ns
    a.now = start + 800;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 50u);
    a.now = start + 815;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 50u) << "a tick is 16 ns";
    a.now = start + 816;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 49u);
    for (int period = 1; period <= 3; ++period) {
        uint64_t due = a.apic.next_event_ns(a.now);
        EXPECT_EQ(due, start + 1600u * period);
        a.apic.advance(due - 1);
        EXPECT_EQ(a.apic.pending_vector(), -1);
        a.apic.advance(due);
        EXPECT_EQ(a.take(), 0xef);
        a.apic.eoi();
        a.now = due;
        EXPECT_EQ(a.rd(R::TIMER_CURRENT), 100u) << "reloaded";
    }
    a.wr(R::TIMER_INITIAL, 0);
    EXPECT_EQ(a.apic.next_event_ns(a.now), LocalApic::NEVER) << "a zero count stops it";
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 0u);
}

TEST(LocalApic, MissedPeriodsCoalesceIntoOneInterrupt) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0xb);
    a.wr(R::LVT_TIMER, 0x200ef);
    uint64_t start = a.now;
    a.wr(R::TIMER_INITIAL, 1000);
    a.apic.advance(start + 10500);
    EXPECT_EQ(a.take(), 0xef);
    a.apic.eoi();
    EXPECT_EQ(a.apic.pending_vector(), -1);
    EXPECT_EQ(a.apic.next_event_ns(start + 10500), start + 11000);
}

TEST(LocalApic, EveryDivideConfigurationDividesAsTheSdmSays) {
    const struct {
        uint32_t config, divisor;
    } table[] = {{0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};
    for (auto [config, divisor] : table) {
        Apic a;
        a.enable();
        a.wr(R::TIMER_DIVIDE, config);
        a.wr(R::LVT_TIMER, 0x40);
        uint64_t start = a.now;
        a.wr(R::TIMER_INITIAL, 1000);
        EXPECT_EQ(a.apic.next_event_ns(a.now), start + 1000u * divisor) << config;
        a.now = start + 10 * divisor;
        EXPECT_EQ(a.rd(R::TIMER_CURRENT), 990u) << config;
    }
}

TEST(LocalApic, ChangingTheDividerKeepsTheCount) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0xb);
    a.wr(R::LVT_TIMER, 0x40);
    uint64_t start = a.now;
    a.wr(R::TIMER_INITIAL, 1000);
    a.now = start + 400;
    a.wr(R::TIMER_DIVIDE, 0x0);  // by 2 from now on
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 600u);
    a.now += 200;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 500u);
    EXPECT_EQ(a.apic.next_event_ns(a.now), start + 400 + 1200);
}

TEST(LocalApic, CurrentCountNeverIncreasesWithTime) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0x1);
    a.wr(R::LVT_TIMER, 0x40);
    a.wr(R::TIMER_INITIAL, 0xffffffff);
    uint32_t last = a.rd(R::TIMER_CURRENT);
    for (int i = 0; i < 1000; ++i) {
        a.now += 12345 + i;
        uint32_t c = a.rd(R::TIMER_CURRENT);
        EXPECT_LE(c, last);
        last = c;
    }
}

TEST(LocalApic, MaskedTimerExpiriesAreLost) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0xb);
    a.wr(R::LVT_TIMER, 0x300ef);  // periodic, masked
    uint64_t start = a.now;
    a.wr(R::TIMER_INITIAL, 1000);
    EXPECT_EQ(a.apic.next_event_ns(a.now), LocalApic::NEVER) << "nothing to wake up for";
    a.now = start + 5500;
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 500u) << "it counts all the same";
    a.wr(R::LVT_TIMER, 0x200ef);
    EXPECT_EQ(a.apic.pending_vector(), -1) << "no stale expiry on unmasking";
    EXPECT_EQ(a.apic.next_event_ns(a.now), start + 6000);
}

TEST(LocalApic, TscDeadlineModeArmsNothing) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0xb);
    a.wr(R::LVT_TIMER, 0x40);
    a.wr(R::TIMER_INITIAL, 1000);
    a.wr(R::LVT_TIMER, 0x40040);  // TSC deadline: disarms
    EXPECT_EQ(a.rd(R::TIMER_INITIAL), 0u);
    a.wr(R::TIMER_INITIAL, 1000);
    EXPECT_EQ(a.rd(R::TIMER_INITIAL), 0u) << "ignored in TSC-deadline mode";
    EXPECT_EQ(a.apic.next_event_ns(a.now), LocalApic::NEVER);
    a.apic.advance(a.now + 1'000'000);
    EXPECT_EQ(a.apic.pending_vector(), -1);
}

TEST(LocalApic, PeriodicToOneShotRunsOutTheCurrentPeriod) {
    Apic a;
    a.enable();
    a.wr(R::TIMER_DIVIDE, 0xb);
    a.wr(R::LVT_TIMER, 0x20040);
    uint64_t start = a.now;
    a.wr(R::TIMER_INITIAL, 1000);
    a.now = start + 2300;
    a.apic.advance(a.now);
    EXPECT_EQ(a.take(), 0x40);
    a.apic.eoi();
    a.wr(R::LVT_TIMER, 0x40);
    EXPECT_EQ(a.rd(R::TIMER_CURRENT), 700u);
    EXPECT_EQ(a.apic.next_event_ns(a.now), start + 3000);
    a.apic.advance(start + 3000);
    EXPECT_EQ(a.take(), 0x40);
    EXPECT_EQ(a.apic.next_event_ns(start + 3000), LocalApic::NEVER);
}

// --- IPIs ------------------------------------------------------------------

TEST(LocalApic, IcrSendsInitAndStartupAsLinuxWakesAnAp) {
    Apic a;
    a.enable();
    a.wr(R::ICR_HIGH, 1u << 24);
    LocalApic::Effect e = a.wr(R::ICR_LOW, 0xc500);  // INIT, level assert, level-triggered
    ASSERT_EQ(e.kind, LocalApic::Effect::IPI);
    EXPECT_EQ(e.ipi.mode, DeliveryMode::INIT);
    EXPECT_EQ(e.ipi.destination, 1);
    EXPECT_FALSE(e.ipi.logical);
    EXPECT_EQ(e.ipi.shorthand, Shorthand::NONE);
    EXPECT_FALSE(e.ipi.init_deassert());
    EXPECT_EQ(e.ipi.source, 0);
    EXPECT_EQ(a.rd(R::ICR_LOW) & (1u << 12), 0u) << "delivery status: idle";
    e = a.wr(R::ICR_LOW, 0x8500);  // INIT level de-assert
    EXPECT_TRUE(e.ipi.init_deassert());
    e = a.wr(R::ICR_LOW, 0x0609);  // STARTUP at 0x9000
    ASSERT_EQ(e.kind, LocalApic::Effect::IPI);
    EXPECT_EQ(e.ipi.mode, DeliveryMode::STARTUP);
    EXPECT_EQ(e.ipi.vector, 0x09);
    EXPECT_EQ(e.ipi.destination, 1);
    EXPECT_EQ(a.rd(R::ICR_LOW), 0x0609u);
}

TEST(LocalApic, IcrShorthandsAndModes) {
    Apic a;
    a.enable();
    LocalApic::Effect e = a.wr(R::ICR_LOW, 0x000c40fd);  // all excluding self, fixed 0xfd
    ASSERT_EQ(e.kind, LocalApic::Effect::IPI);
    EXPECT_EQ(e.ipi.shorthand, Shorthand::ALL_EXCLUDING_SELF);
    EXPECT_EQ(e.ipi.vector, 0xfd);
    EXPECT_EQ(e.ipi.mode, DeliveryMode::FIXED);
    EXPECT_FALSE(a.apic.addressed_by(e.ipi, true));
    EXPECT_TRUE(a.apic.addressed_by(e.ipi, false));
    e = a.wr(R::ICR_LOW, 0x000440f0);  // self
    EXPECT_EQ(e.ipi.shorthand, Shorthand::SELF);
    EXPECT_TRUE(a.apic.addressed_by(e.ipi, true));
    EXPECT_FALSE(a.apic.addressed_by(e.ipi, false));
    e = a.wr(R::ICR_LOW, 0x00080400);  // all including self, NMI
    EXPECT_EQ(e.ipi.mode, DeliveryMode::NMI);
    EXPECT_TRUE(a.apic.addressed_by(e.ipi, true));
    EXPECT_TRUE(a.apic.addressed_by(e.ipi, false));
    e = a.wr(R::ICR_LOW, 0x0941);  // lowest priority, logical
    EXPECT_EQ(e.ipi.mode, DeliveryMode::LOWEST_PRIORITY);
    EXPECT_TRUE(e.ipi.logical);
    e = a.wr(R::ICR_LOW, 0x0200);
    EXPECT_EQ(e.ipi.mode, DeliveryMode::SMI);
    EXPECT_EQ(a.wr(R::ICR_LOW, 0x0340).kind, LocalApic::Effect::NONE) << "reserved delivery mode";
    EXPECT_EQ(a.wr(R::ICR_LOW, 0x000f).kind, LocalApic::Effect::NONE) << "illegal vector";
    a.wr(R::ESR, 0);
    EXPECT_EQ(a.rd(R::ESR), LocalApic::ESR_SEND_ILLEGAL_VECTOR);
    a.wr(R::SVR, 0xff);
    EXPECT_EQ(a.wr(R::ICR_LOW, 0x0609).kind, LocalApic::Effect::IPI) << "a disabled APIC still sends";
}

TEST(LocalApic, PhysicalDestinationsAreIdsOrBroadcast) {
    LocalApic apic(2);
    EXPECT_TRUE(apic.matches(2, false));
    EXPECT_FALSE(apic.matches(1, false));
    EXPECT_TRUE(apic.matches(0xff, false));
    ApicMessage m;
    m.destination = 2;
    EXPECT_TRUE(apic.addressed_by(m, false));
    EXPECT_TRUE(apic.addressed_by(m, true)) << "an APIC may name itself";
}

TEST(LocalApic, LogicalFlatDestinationsAreBitMasks) {
    LocalApic apic(1);
    apic.write(R::LDR, 4, 0x02000000, 0);
    EXPECT_TRUE(apic.matches(0x02, true));
    EXPECT_TRUE(apic.matches(0x03, true));
    EXPECT_FALSE(apic.matches(0x01, true));
    EXPECT_TRUE(apic.matches(0xff, true));
    apic.write(R::LDR, 4, 0, 0);
    EXPECT_FALSE(apic.matches(0x7f, true)) << "an APIC without a logical ID";
}

TEST(LocalApic, LogicalClusterDestinationsNameAClusterAndMembers) {
    LocalApic apic(5);
    apic.write(R::DFR, 4, 0x0fffffff, 0);
    apic.write(R::LDR, 4, 0x24000000, 0);  // cluster 2, member bit 2
    EXPECT_TRUE(apic.matches(0x24, true));
    EXPECT_TRUE(apic.matches(0x2c, true));
    EXPECT_FALSE(apic.matches(0x21, true)) << "another member";
    EXPECT_FALSE(apic.matches(0x14, true)) << "another cluster";
    EXPECT_TRUE(apic.matches(0xff, true)) << "broadcast";
    EXPECT_FALSE(apic.matches(0x24, false)) << "physical: the ID 5";
}

TEST(LocalApic, InitResetKeepsTheId) {
    Apic a;
    a.wr(R::ID, 4u << 24);
    a.enable();
    a.apic.accept(0x50, false);
    a.wr(R::LVT_LINT0, 0x700);
    a.apic.reset();
    EXPECT_EQ(a.apic.id(), 4);
    EXPECT_FALSE(a.apic.software_enabled());
    EXPECT_EQ(a.apic.pending_vector(), -1);
    EXPECT_EQ(a.rd(R::LVT_LINT0), LocalApic::LVT_MASKED);
}

}  // namespace
}  // namespace keel::vmm::dev
