// The 8259A pair as Linux programs and serves it (arch/x86/kernel/i8259.c):
// probe_8259A, init_8259A, mask_and_ack_8259A's specific EOIs, the spurious
// IRQ 7 check, and the cascade through IRQ 2.
#include <gtest/gtest.h>

#include "vmm/devices/pic8259.hpp"

using keel::vmm::dev::Pic8259;

namespace {

struct PicTest : ::testing::Test {
    Pic8259 pic;

    // init_8259A(0) after probe_8259A, vectors 0x30 and 0x38 as Linux uses them.
    void linux_init(bool auto_eoi = false) {
        pic.write(0xa1, 0xff);
        pic.write(0x21, 0xfb);
        ASSERT_EQ(pic.read(0x21), 0xfb) << "probe_8259A: the mask reads back";
        pic.write(0x21, 0xff);
        pic.write(0x20, 0x11);
        pic.write(0x21, 0x30);
        pic.write(0x21, 0x04);
        pic.write(0x21, auto_eoi ? 0x03 : 0x01);
        pic.write(0xa0, 0x11);
        pic.write(0xa1, 0x38);
        pic.write(0xa1, 0x02);
        pic.write(0xa1, 0x01);
        pic.write(0x21, 0xfb);  // cached masks: all but the cascade
        pic.write(0xa1, 0xff);
    }
    void unmask(unsigned irq) {
        uint16_t port = irq < 8 ? 0x21 : 0xa1;
        pic.write(port, uint8_t(pic.read(port) & ~(1u << (irq & 7))));
    }
    // mask_and_ack_8259A without the masking.
    void eoi(unsigned irq) {
        if (irq >= 8) {
            pic.write(0xa0, uint8_t(0x60 + (irq & 7)));
            pic.write(0x20, 0x62);
        } else {
            pic.write(0x20, uint8_t(0x60 + irq));
        }
    }
    void pulse(unsigned irq) {
        pic.set_irq(irq, true);
        pic.set_irq(irq, false);
    }
};

TEST_F(PicTest, LinuxInitProgramsTheVectorBases) {
    linux_init();
    EXPECT_EQ(pic.vector_base(0), 0x30);
    EXPECT_EQ(pic.vector_base(1), 0x38);
    EXPECT_EQ(pic.imr(0), 0xfb);
    EXPECT_EQ(pic.imr(1), 0xff);
    EXPECT_FALSE(pic.interrupt_pending());
}

TEST_F(PicTest, TheTimerEdgeIsServedOnceAndBlocksUntilEoi) {
    linux_init();
    unmask(0);
    unmask(1);
    pulse(0);
    ASSERT_TRUE(pic.interrupt_pending());
    EXPECT_EQ(pic.acknowledge(), 0x30);
    EXPECT_EQ(pic.isr(0), 0x01);
    EXPECT_EQ(pic.irr(0), 0x00);
    EXPECT_FALSE(pic.interrupt_pending()) << "served: the edge is gone";
    pulse(0);
    pulse(1);
    EXPECT_FALSE(pic.interrupt_pending()) << "IRQ 0 in service blocks itself and lower priorities";
    eoi(0);
    ASSERT_TRUE(pic.interrupt_pending());
    EXPECT_EQ(pic.acknowledge(), 0x30) << "IRQ 0 outranks IRQ 1";
    eoi(0);
    EXPECT_EQ(pic.acknowledge(), 0x31);
    eoi(1);
    EXPECT_FALSE(pic.interrupt_pending());
}

TEST_F(PicTest, AHigherPriorityRequestNestsIntoALowerOneInService) {
    linux_init();
    unmask(0);
    unmask(4);
    pulse(4);
    EXPECT_EQ(pic.acknowledge(), 0x34);
    pulse(0);
    ASSERT_TRUE(pic.interrupt_pending());
    EXPECT_EQ(pic.acknowledge(), 0x30);
    EXPECT_EQ(pic.isr(0), 0x11);
    // Non-specific EOI ends the highest priority in service first.
    pic.write(0x20, 0x20);
    EXPECT_EQ(pic.isr(0), 0x10);
}

TEST_F(PicTest, SlaveInterruptsCascadeThroughIrq2) {
    linux_init();
    unmask(12);
    unmask(14);
    pulse(14);
    ASSERT_TRUE(pic.interrupt_pending());
    EXPECT_EQ(pic.acknowledge(), 0x3e);
    EXPECT_EQ(pic.isr(1), 0x40);
    EXPECT_EQ(pic.isr(0), 0x04) << "the cascade line is in service on the master";
    pulse(12);
    EXPECT_FALSE(pic.interrupt_pending()) << "the master's IRQ 2 in service holds the slave back";
    eoi(14);
    ASSERT_TRUE(pic.interrupt_pending());
    EXPECT_EQ(pic.acknowledge(), 0x3c);
    eoi(12);
    EXPECT_FALSE(pic.interrupt_pending());
    EXPECT_EQ(pic.isr(0) | pic.isr(1), 0);
}

TEST_F(PicTest, MaskedLinesWaitInIrr) {
    linux_init();
    pulse(3);
    EXPECT_FALSE(pic.interrupt_pending());
    EXPECT_EQ(pic.irr(0), 0x08);
    unmask(3);
    EXPECT_TRUE(pic.interrupt_pending());
    EXPECT_EQ(pic.acknowledge(), 0x33);
}

// i8259A_irq_real(): OCW3 selects ISR for the command port, then IRR again.
TEST_F(PicTest, Ocw3ReadsIsrOrIrr) {
    linux_init();
    unmask(5);
    pulse(5);
    pic.write(0x20, 0x0a);
    EXPECT_EQ(pic.read(0x20), 0x20) << "IRR";
    pic.acknowledge();
    pic.write(0x20, 0x0b);
    EXPECT_EQ(pic.read(0x20) & 0x20, 0x20) << "ISR: IRQ 5 is real";
    pic.write(0x20, 0x0a);
    EXPECT_EQ(pic.read(0x20), 0x00);
}

// A request that vanished before INTA (an edge whose level fell on a
// level-triggered line) gives IRQ 7, without an ISR bit: Linux's spurious
// check finds ISR bit 7 clear and counts a spurious interrupt.
TEST_F(PicTest, AVanishedRequestIsSpuriousIrq7) {
    linux_init();
    EXPECT_EQ(pic.acknowledge(), 0x37);
    EXPECT_EQ(pic.isr(0), 0);
    // On the slave: its request falls after the master saw the cascade rise.
    pic.write(0x4d1, 0x02);  // IRQ 9 level-triggered
    unmask(9);
    pic.set_irq(9, true);
    ASSERT_TRUE(pic.interrupt_pending());
    pic.set_irq(9, false);
    EXPECT_EQ(pic.acknowledge(), 0x3f) << "IRQ 15 from the slave";
    EXPECT_EQ(pic.isr(1), 0);
    EXPECT_EQ(pic.isr(0), 0x04) << "the master did acknowledge its cascade";
    pic.write(0x20, 0x62);
}

TEST_F(PicTest, LevelTriggeredLinesRequestWhileHigh) {
    linux_init();
    pic.write(0x4d0, 0xff);
    EXPECT_EQ(pic.read(0x4d0), 0xf8) << "IRQ 0-2 cannot be level-triggered";
    pic.write(0x4d1, 0xff);
    EXPECT_EQ(pic.read(0x4d1), 0xde) << "nor IRQ 8 and 13";
    pic.write(0x4d0, 0x20);  // IRQ 5 level
    unmask(5);
    pic.set_irq(5, true);
    EXPECT_EQ(pic.acknowledge(), 0x35);
    EXPECT_EQ(pic.irr(0) & 0x20, 0x20) << "still high, still requested";
    eoi(5);
    EXPECT_TRUE(pic.interrupt_pending()) << "still high after EOI: served again";
    pic.set_irq(5, false);
    EXPECT_FALSE(pic.interrupt_pending());
    // An edge-triggered line requests once per rise, not while high.
    unmask(4);
    pic.set_irq(4, true);
    EXPECT_EQ(pic.acknowledge(), 0x34);
    eoi(4);
    pic.set_irq(4, true);
    EXPECT_FALSE(pic.interrupt_pending());
}

TEST_F(PicTest, AutoEoiLeavesNothingInService) {
    linux_init(true);
    unmask(0);
    pulse(0);
    EXPECT_EQ(pic.acknowledge(), 0x30);
    EXPECT_EQ(pic.isr(0), 0);
    pulse(0);
    EXPECT_TRUE(pic.interrupt_pending());
}

TEST_F(PicTest, RotationChangesPriorities) {
    linux_init();
    pic.write(0x21, 0x00);
    pic.write(0x20, 0xc4);  // set priority: IRQ 4 lowest, IRQ 5 highest
    pulse(3);
    pulse(6);
    EXPECT_EQ(pic.acknowledge(), 0x36);
    pic.write(0x20, 0xa0);  // rotate on non-specific EOI: IRQ 6 becomes lowest
    EXPECT_EQ(pic.isr(0), 0);
    EXPECT_EQ(pic.acknowledge(), 0x33);
    pic.write(0x20, 0xe3);  // specific EOI and rotate
    pic.write(0x20, 0x80);  // rotate in auto-EOI mode: set
    pic.write(0x20, 0x00);  // and clear
    pic.write(0x20, 0x40);  // no operation
    EXPECT_EQ(pic.isr(0), 0);
}

TEST_F(PicTest, PollModeAcknowledgesOnRead) {
    linux_init();
    unmask(6);
    pulse(6);
    pic.write(0x20, 0x0c);
    EXPECT_EQ(pic.read(0x20), 0x86);
    EXPECT_EQ(pic.isr(0), 0x40);
    pic.write(0x20, 0x0c);
    EXPECT_EQ(pic.read(0x20), 0x00) << "nothing to poll";
}

TEST_F(PicTest, ReinitialisationClearsStateButNotTheElcr) {
    linux_init();
    unmask(1);
    pulse(1);
    pic.acknowledge();
    pic.write(0x4d0, 0x08);
    pic.write(0x20, 0x11);
    EXPECT_EQ(pic.isr(0), 0);
    EXPECT_EQ(pic.imr(0), 0);
    EXPECT_EQ(pic.read(0x4d0), 0x08);
    pic.set_irq(16, true);  // no such line: ignored
}

}  // namespace
