// The 8254 as Linux uses it: channel 2 for TSC calibration
// (arch/x86/kernel/tsc.c: quick_pit_calibrate, pit_calibrate_tsc), channel 0
// as the periodic and one-shot clock event (drivers/clocksource/i8253.c),
// and the latch and read-back commands, all on a simulated clock.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "vmm/devices/pit8254.hpp"

using keel::vmm::dev::Pit8254;

namespace {

constexpr uint64_t HZ = Pit8254::FREQUENCY_HZ;

// A guest whose every port access is a VM exit that costs `step` ns.
struct Guest {
    Pit8254 pit;
    uint64_t now = 5'000'000'000;  // the VMM has been up a while
    uint64_t step = 1000;
    uint8_t in(uint16_t port) {
        now += step;
        return pit.read(port, now);
    }
    void out(uint8_t v, uint16_t port) {
        now += step;
        pit.write(port, v, now);
    }
};

TEST(Pit, TickConversionsAreExactAndDoNotOverflowForCenturies) {
    EXPECT_EQ(Pit8254::ticks_in(1'000'000'000), HZ);
    EXPECT_EQ(Pit8254::ticks_in(838), 0u) << "one tick is 838.095 ns";
    EXPECT_EQ(Pit8254::ticks_in(839), 1u);
    EXPECT_EQ(Pit8254::ns_for(1), 839u);
    EXPECT_EQ(Pit8254::ns_for(HZ), 1'000'000'000u);
    constexpr uint64_t CENTURY_NS = 100ull * 366 * 86400 * 1'000'000'000;
    EXPECT_EQ(Pit8254::ticks_in(CENTURY_NS), CENTURY_NS / 1'000'000'000 * HZ);
    for (uint64_t ns : std::vector<uint64_t>{1, 999999999, 123456789012345, CENTURY_NS + 7}) {
        uint64_t t = Pit8254::ticks_in(ns);
        EXPECT_LE(Pit8254::ns_for(t), ns);
        EXPECT_GT(Pit8254::ns_for(t + 1), ns);
    }
}

// quick_pit_calibrate(): gate on, speaker off; channel 2 in mode 0 from
// 0xffff; then pit_expect_msb() reads LSB and MSB back to back and counts how
// long the MSB holds each value: 256 ticks, 214.55 µs.
TEST(Pit, QuickPitCalibrateSeesTheMsbFallOncePer256Ticks) {
    Guest g;
    g.out((g.in(0x61) & ~0x02) | 0x01, 0x61);
    g.out(0xb0, 0x43);
    g.out(0xff, 0x42);
    g.out(0xff, 0x42);
    uint64_t start = g.now;
    auto verify_msb = [&](uint8_t val) {
        g.in(0x42);
        return g.in(0x42) == val;
    };
    verify_msb(0);
    // pit_expect_msb(val): how long (in simulated ns) MSB stayed at val.
    auto expect_msb = [&](uint8_t val, uint64_t& last_seen) {
        int count = 0;
        for (; count < 50000; ++count) {
            if (!verify_msb(val)) break;
            last_seen = g.now;
        }
        return count;
    };
    uint64_t seen = 0;
    ASSERT_GT(expect_msb(0xff, seen), 5);
    std::vector<uint64_t> ends;
    for (int i = 1; i <= 50; ++i) {
        int count = expect_msb(uint8_t(0xff - i), seen);
        ASSERT_GT(count, 5) << "MSB " << 0xff - i;
        ends.push_back(seen);
    }
    // From the end of one MSB value to the end of the next: 256 ticks, give or
    // take one read pair (2 µs).
    for (size_t i = 1; i < ends.size(); ++i) {
        uint64_t d = ends[i] - ends[i - 1];
        EXPECT_NEAR(double(d), 256.0 * 1e9 / HZ, 2500.0);
    }
    // 50 MSB steps after the start: 50 * 256 ticks, as Linux extrapolates.
    EXPECT_NEAR(double(ends.back() - start), 51.0 * 256 * 1e9 / HZ, 5000.0);
    EXPECT_FALSE(g.in(0x61) & 0x20) << "far from terminal count, OUT2 low";
}

// pit_calibrate_tsc(): channel 2, mode 0, 10 ms (latch 11931), then poll
// port 0x61 until OUT2 rises; Linux wants at least 1000 polls (loopmin).
TEST(Pit, PitCalibrateTscSeesOut2RiseAtTerminalCount) {
    Guest g;
    g.step = 700;
    g.out((g.in(0x61) & ~0x02) | 0x01, 0x61);
    const unsigned latch = HZ / (1000 / 10);
    g.out(0xb0, 0x43);
    g.out(latch & 0xff, 0x42);
    uint64_t before_msb = g.now;
    g.out(latch >> 8, 0x42);
    uint64_t loaded = g.now;
    EXPECT_FALSE(g.pit.out(2, before_msb + 1)) << "mode 0: OUT low while counting";
    unsigned polls = 0;
    while ((g.in(0x61) & 0x20) == 0) {
        ++polls;
        ASSERT_LT(polls, 1'000'000u) << "OUT2 never rose";
    }
    uint64_t elapsed = g.now - loaded;
    EXPECT_GE(elapsed, Pit8254::ns_for(latch));
    EXPECT_LT(elapsed, Pit8254::ns_for(latch) + g.step + 1);
    EXPECT_GE(polls, 1000u);
    // OUT2 stays high; the counter wraps past zero and keeps counting down.
    g.now += 1'000'000;
    EXPECT_TRUE(g.in(0x61) & 0x20);
    g.out(0x80, 0x43);  // latch channel 2
    unsigned v = g.in(0x42) | g.in(0x42) << 8;
    EXPECT_NEAR(double(v), 65536.0 - 1193 - 6, 6) << "1 ms past zero";
}

TEST(Pit, TheGateOfChannel2HoldsAModeZeroCount) {
    Guest g;
    g.out(0x01, 0x61);
    g.out(0xb0, 0x43);
    g.out(0x00, 0x42);
    g.out(0x10, 0x42);  // 0x1000
    g.now += Pit8254::ns_for(0x100);
    g.out(0x00, 0x61);  // gate low: counting stops
    g.out(0x80, 0x43);
    unsigned held = g.in(0x42) | g.in(0x42) << 8;
    g.now += 1'000'000'000;
    g.out(0x80, 0x43);
    EXPECT_EQ(unsigned(g.in(0x42) | g.in(0x42) << 8), held);
    EXPECT_NEAR(double(held), 0x1000 - 0x100 - 2, 2);
    EXPECT_EQ(g.in(0x61) & 0x01, 0) << "the gate bit reads back";
}

TEST(Pit, RefreshToggleChanges) {
    Pit8254 pit;
    uint8_t a = pit.read(0x61, 0), b = pit.read(0x61, 15085);
    EXPECT_NE(a & 0x10, b & 0x10);
}

// pit_set_periodic(): mode 2 at HZ=250, LSB then MSB.
TEST(Pit, PeriodicModeGivesOneIrq0EdgePerPeriod) {
    Pit8254 pit;
    uint64_t t0 = 1'000;
    EXPECT_EQ(pit.next_irq0_ns(t0), Pit8254::NEVER) << "not programmed: no interrupts";
    EXPECT_EQ(pit.irq0_edges(t0), 0u);
    const unsigned latch = (HZ + 125) / 250;  // 4773
    pit.write(0x43, 0x34, t0);
    pit.write(0x40, latch & 0xff, t0);
    pit.write(0x40, latch >> 8, t0);
    uint64_t first = pit.next_irq0_ns(t0);
    EXPECT_EQ(first, t0 + Pit8254::ns_for(latch));
    EXPECT_EQ(pit.irq0_edges(first - 1), 0u);
    EXPECT_EQ(pit.irq0_edges(first), 1u);
    EXPECT_EQ(pit.irq0_edges(first), 0u) << "reported once";
    EXPECT_EQ(pit.next_irq0_ns(first), t0 + Pit8254::ns_for(2 * latch));
    // A VMM that slept through a second sees all 250 edges at once.
    EXPECT_EQ(pit.irq0_edges(t0 + 1'000'000'000 + 1'000'000), 249u);
    uint64_t next = pit.next_irq0_ns(t0 + 1'000'000'000 + 1'000'000);
    EXPECT_EQ(next, t0 + Pit8254::ns_for(251 * latch));
    EXPECT_EQ(pit.next_irq0_ns(next), next) << "due and not yet asked for: due now";
}

TEST(Pit, SquareWaveModeHasTheSamePeriodAndCountsByTwo) {
    Pit8254 pit;
    pit.write(0x43, 0x36, 0);
    pit.write(0x40, 0x00, 0);
    pit.write(0x40, 0x00, 0);  // 65536: the BIOS's 18.2 Hz
    EXPECT_TRUE(pit.out(0, Pit8254::ns_for(100)));
    EXPECT_FALSE(pit.out(0, Pit8254::ns_for(32768)));
    EXPECT_TRUE(pit.out(0, Pit8254::ns_for(65536)));
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::ns_for(65536));
    pit.write(0x43, 0x00, Pit8254::ns_for(10));
    unsigned v = pit.read(0x40, 0) | pit.read(0x40, 0) << 8;
    EXPECT_EQ(v, 65536u - 20);
}

// pit_next_event(): mode 0, a new count per event; pit_shutdown() writes
// 0x30 and a zero count.
TEST(Pit, OneShotModeGivesOneEdgeAtTerminalCount) {
    Pit8254 pit;
    pit.write(0x43, 0x30, 0);
    pit.write(0x40, 100, 0);
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::NEVER) << "the first byte does not start it";
    pit.write(0x40, 0, 0);
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::ns_for(100));
    EXPECT_EQ(pit.irq0_edges(Pit8254::ns_for(100) - 1), 0u);
    EXPECT_EQ(pit.irq0_edges(Pit8254::ns_for(1000)), 1u);
    EXPECT_EQ(pit.irq0_edges(Pit8254::ns_for(100000)), 0u) << "one shot";
    EXPECT_EQ(pit.next_irq0_ns(Pit8254::ns_for(1000)), Pit8254::NEVER);
    pit.write(0x43, 0x30, 0);
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::NEVER) << "a control word stops the counter";
}

TEST(Pit, SoftwareStrobeRisesOneTickAfterTerminalCount) {
    Pit8254 pit;
    pit.write(0x43, 0x38, 0);  // mode 4
    pit.write(0x40, 10, 0);
    pit.write(0x40, 0, 0);
    EXPECT_TRUE(pit.out(0, Pit8254::ns_for(9)));
    EXPECT_FALSE(pit.out(0, Pit8254::ns_for(10)));
    EXPECT_TRUE(pit.out(0, Pit8254::ns_for(11)));
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::ns_for(11));
}

TEST(Pit, HardwareTriggeredModesWaitForTheGate) {
    Guest g;
    g.out(0x00, 0x61);
    g.out(0xb2, 0x43);  // channel 2, mode 1
    g.out(50, 0x42);
    g.out(0, 0x42);
    g.now += 1'000'000;
    EXPECT_TRUE(g.in(0x61) & 0x20) << "not triggered: OUT high";
    g.out(0x01, 0x61);
    EXPECT_FALSE(g.in(0x61) & 0x20) << "triggered: OUT low for the count";
    g.now += Pit8254::ns_for(50);
    EXPECT_TRUE(g.in(0x61) & 0x20);
}

TEST(Pit, LatchHoldsTheCountUntilBothBytesAreRead) {
    Pit8254 pit;
    pit.write(0x43, 0x34, 0);
    pit.write(0x40, 0x34, 0);
    pit.write(0x40, 0x12, 0);
    pit.write(0x43, 0x00, Pit8254::ns_for(0x10));
    pit.write(0x43, 0x00, Pit8254::ns_for(0x20));  // ignored: the first latch holds
    EXPECT_EQ(pit.read(0x40, Pit8254::ns_for(0x100)), 0x24);
    EXPECT_EQ(pit.read(0x40, Pit8254::ns_for(0x200)), 0x12);
    EXPECT_EQ(pit.read(0x40, Pit8254::ns_for(0x30)), 0x04) << "live again";
    EXPECT_EQ(pit.read(0x40, Pit8254::ns_for(0x30)), 0x12);
}

TEST(Pit, LsbOnlyAndMsbOnlyAccess) {
    Pit8254 pit;
    pit.write(0x43, 0x54, 0);  // channel 1, LSB only, mode 2
    pit.write(0x41, 18, 0);  // the old refresh rate
    EXPECT_EQ(pit.read(0x41, Pit8254::ns_for(3)), 15);
    EXPECT_EQ(pit.read(0x41, Pit8254::ns_for(4)), 14);
    pit.write(0x43, 0x64, 0);  // MSB only
    pit.write(0x41, 0x02, 0);  // 0x200
    EXPECT_EQ(pit.read(0x41, Pit8254::ns_for(0x100)), 0x01);
    EXPECT_EQ(pit.read(0x43, 0), 0xff) << "the control port is write-only";
}

TEST(Pit, ReadBackLatchesStatusThenCount) {
    Pit8254 pit;
    pit.write(0x43, 0xb0, 0);  // channel 2, mode 0
    EXPECT_FALSE(pit.out(2, 0));
    pit.write(0x42, 0x00, 0);
    pit.write(0x42, 0x01, 0);
    pit.write(0x43, 0xc8, Pit8254::ns_for(0x10));  // read-back: count and status, channel 2
    EXPECT_EQ(pit.read(0x42, 0), 0x30) << "OUT low, count loaded, LSB then MSB, mode 0, binary";
    EXPECT_EQ(pit.read(0x42, 0), 0xf0);
    EXPECT_EQ(pit.read(0x42, 0), 0x00);
    pit.write(0x43, 0xe8, Pit8254::ns_for(0x200));  // status only
    EXPECT_EQ(pit.read(0x42, 0), 0xb0) << "OUT high after terminal count";
}

TEST(Pit, BcdCountsInDecimal) {
    Pit8254 pit;
    pit.write(0x43, 0x31, 0);  // channel 0, mode 0, BCD
    pit.write(0x40, 0x00, 0);
    pit.write(0x40, 0x10, 0);  // 1000 decimal
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::ns_for(1000));
    EXPECT_EQ(pit.read(0x40, Pit8254::ns_for(1)), 0x99);
    EXPECT_EQ(pit.read(0x40, Pit8254::ns_for(1)), 0x09);
    pit.write(0x40, 0x00, 0);
    pit.write(0x40, 0x00, 0);  // 0: 10000 in BCD
    EXPECT_EQ(pit.next_irq0_ns(0), Pit8254::ns_for(10000));
}

TEST(Pit, AClockThatGoesBackwardsDoesNoHarm) {
    Pit8254 pit;
    pit.write(0x43, 0x34, 1'000'000);
    pit.write(0x40, 0x00, 1'000'000);
    pit.write(0x40, 0x01, 1'000'000);
    EXPECT_EQ(pit.irq0_edges(0), 0u);
    EXPECT_EQ(pit.read(0x40, 0), 0x00);
    EXPECT_EQ(pit.irq0_edges(1'000'000 + Pit8254::ns_for(256)), 1u);
    EXPECT_EQ(pit.irq0_edges(0), 0u);
}

}  // namespace
