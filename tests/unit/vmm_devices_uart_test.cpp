// The 16550A as Linux's 8250 driver finds and drives it: autoconfig's
// scratch, loopback and FIFO probes, start-up's THRE tests, the console's
// polled output, interrupt-driven receive, and the receive FIFO's bound.
#include <gtest/gtest.h>

#include <string>

#include "vmm/devices/pic8259.hpp"
#include "vmm/devices/uart16550.hpp"

using keel::vmm::dev::Pic8259;
using keel::vmm::dev::Uart16550;

namespace {

enum : uint16_t { RX = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

struct Line {
    std::string sent;
    static void put(uint8_t c, void* ctx) { static_cast<Line*>(ctx)->sent.push_back(char(c)); }
};

struct UartTest : ::testing::Test {
    Line line;
    Uart16550 uart{Line::put, &line};
    uint8_t in(uint16_t reg) { return uart.read(uint16_t(0x3f8 + reg)); }
    void out(uint16_t reg, uint8_t v) { uart.write(uint16_t(0x3f8 + reg), v); }
};

// drivers/tty/serial/8250/8250_port.c, autoconfig(): the steps it takes on a
// legacy port, and what a 16550A must answer for it to say "16550A".
TEST_F(UartTest, LinuxAutoconfigFindsA16550A) {
    // The IER scratch test: bits 3-0 hold what is written, nothing else.
    uint8_t saved = in(IER);
    out(IER, 0);
    EXPECT_EQ(in(IER)&0x0f, 0);
    out(IER, 0x0f);
    EXPECT_EQ(in(IER)&0x0f, 0x0f);
    out(IER, saved);
    // The loopback test: MCR's RTS and OUT2 come back as CTS and DCD.
    uint8_t save_mcr = in(MCR), save_lcr = in(LCR);
    out(MCR, 0x10 | 0x0a);
    EXPECT_EQ(in(MSR)&0xf0, 0x90);
    out(MCR, save_mcr);
    // No EFR behind LCR 0xbf (that would be a 16650 or later).
    out(LCR, 0xbf);
    out(2, 0);  // EFR on a 16650; FCR here
    out(LCR, 0);
    out(FCR, 0x01);
    EXPECT_EQ(in(IIR) >> 6, 3) << "FIFOs enabled: a 16550A";
    out(LCR, 0xbf);
    EXPECT_NE(in(2), 0) << "EFR reads zero only on chips that have one";
    out(LCR, 0x80);
    EXPECT_NE(in(2), 0);
    // Not a National SuperIO: EXCR1 (LCR 0xe0, register 2) does not follow MCR's loop bit.
    out(LCR, 0);
    uint8_t status1 = in(MCR);
    out(LCR, 0xe0);
    uint8_t status2 = in(2);
    EXPECT_EQ((status1 ^ status2) & 0x10, 0);
    out(LCR, 0);
    out(MCR, status1 ^ 0x10);
    out(LCR, 0xe0);
    status2 = in(2);
    out(LCR, 0);
    out(MCR, status1);
    EXPECT_EQ((status2 ^ status1) & 0x10, 0);
    // Not an XScale: IER's UART-unit-enable bit does not stick.
    uint8_t iersave = in(IER);
    out(IER, iersave | 0x40);
    EXPECT_EQ(in(IER)&0x40, 0);
    out(LCR, save_lcr);
    // serial8250_do_startup's sanity check.
    EXPECT_NE(in(LSR), 0xff);
    EXPECT_TRUE(line.sent.empty()) << "probing sends nothing";
}

TEST_F(UartTest, TheDivisorLatchHidesRbrAndIerWhileDlabIsSet) {
    out(IER, 0x05);
    out(LCR, 0x83);
    out(RX, 0x01);  // 115200 baud
    out(IER, 0x00);
    EXPECT_EQ(in(RX), 0x01);
    EXPECT_EQ(in(IER), 0x00);
    out(LCR, 0x03);
    EXPECT_EQ(in(IER), 0x05);
    EXPECT_TRUE(line.sent.empty()) << "a divisor byte is not a character";
    out(SCR, 0x5a);
    EXPECT_EQ(in(SCR), 0x5a);
}

// The console writes by polling LSR for THRE and TEMT: output is instant.
TEST_F(UartTest, PolledOutputReachesTheCallbackAtOnce) {
    for (char c : std::string("Linux version 6.1\n")) {
        ASSERT_EQ(in(LSR)&0x60, 0x60);
        out(RX, uint8_t(c));
    }
    EXPECT_EQ(line.sent, "Linux version 6.1\n");
}

// serial8250_do_startup: THRE must interrupt when IER enables it with THR
// empty, and again after IER is cleared and set (else UART_BUG_THRE); and
// with TEMT set, IIR must show it (else UART_BUG_TXEN).
TEST_F(UartTest, EnablingThreInterruptsAtOnceEveryTime) {
    out(IER, 0x02);
    uint8_t iir1 = in(IIR);
    out(IER, 0);
    out(IER, 0x02);
    uint8_t iir = in(IIR);
    out(IER, 0);
    EXPECT_EQ(iir1 & 0x0f, 0x02);
    EXPECT_EQ(iir & 0x0f, 0x02);
    out(IER, 0x02);
    uint8_t lsr = in(LSR);
    iir = in(IIR);
    EXPECT_TRUE(lsr & 0x40);
    EXPECT_FALSE(iir & 0x01);
}

TEST_F(UartTest, ReadingIirAcknowledgesThreAndWritingThrRaisesItAgain) {
    out(MCR, 0x0b);  // DTR, RTS, OUT2: as Linux opens the port
    EXPECT_FALSE(uart.irq_level());
    out(IER, 0x02);
    EXPECT_TRUE(uart.irq_level());
    EXPECT_EQ(in(IIR)&0x0f, 0x02);
    EXPECT_FALSE(uart.irq_level()) << "IIR reported THRE: acknowledged";
    EXPECT_EQ(in(IIR)&0x0f, 0x01);
    out(RX, 'x');
    EXPECT_TRUE(uart.irq_level()) << "sent at once, so empty again";
    out(RX, 'y');
    out(IER, 0);  // __stop_tx
    EXPECT_FALSE(uart.irq_level());
    EXPECT_EQ(line.sent, "xy");
}

TEST_F(UartTest, Out2GatesTheInterruptLineAsOnAPc) {
    out(IER, 0x02);
    EXPECT_FALSE(uart.irq_level()) << "OUT2 clear: the PIC sees nothing";
    out(MCR, 0x08);
    EXPECT_TRUE(uart.irq_level());
    out(MCR, 0x18);
    EXPECT_FALSE(uart.irq_level()) << "loopback holds the outputs inactive";
    out(MCR, 0x08);
    EXPECT_EQ(in(IIR)&0x0f, 0x02) << "the interrupt stayed pending inside the chip";
}

TEST_F(UartTest, InterruptPriorityFollowsTheDatasheet) {
    out(FCR, 0x01);  // FIFO, trigger level 1
    out(MCR, 0x08);
    out(IER, 0x0f);
    // THRE is pending, and a modem status change from entering loopback.
    out(MCR, 0x18);
    out(MCR, 0x08);
    EXPECT_EQ(in(IIR)&0x0f, 0x02) << "THRE before modem status";
    EXPECT_EQ(in(IIR)&0x0f, 0x00) << "modem status once THRE is acknowledged";
    EXPECT_NE(in(MSR)&0x0f, 0) << "the deltas";
    EXPECT_EQ(in(IIR)&0x0f, 0x01) << "MSR read acknowledged them";
    ASSERT_TRUE(uart.receive('a'));
    out(IER, 0x0d);
    out(IER, 0x0f);  // THRE pending again
    EXPECT_EQ(in(IIR)&0x0f, 0x04) << "received data before THRE";
    // An overrun (loopback into a full FIFO) outranks everything.
    out(MCR, 0x18);
    for (int i = 0; i < 16; ++i) out(RX, uint8_t('0' + i));
    EXPECT_EQ(in(IIR)&0x0f, 0x06);
    EXPECT_EQ(in(LSR)&0x03, 0x03) << "overrun and data ready";
    EXPECT_EQ(in(LSR)&0x02, 0) << "reading LSR cleared the overrun";
    EXPECT_EQ(in(IIR)&0x0f, 0x04);
}

TEST_F(UartTest, ReceivedBytesWaitInABoundedFifo) {
    out(FCR, 0xc7);  // on, both cleared, trigger at 14
    out(MCR, 0x0b);
    out(IER, 0x01);
    EXPECT_EQ(in(LSR)&0x01, 0);
    EXPECT_FALSE(uart.irq_level());
    ASSERT_TRUE(uart.receive('h'));
    EXPECT_TRUE(uart.irq_level());
    EXPECT_EQ(in(IIR)&0x0f, 0x0c) << "below the trigger level: character time-out";
    for (int i = 1; i < 16; ++i) ASSERT_TRUE(uart.receive(uint8_t('a' + i)));
    EXPECT_FALSE(uart.receive('!')) << "16 bytes: full, the host keeps the byte";
    EXPECT_EQ(uart.rx_queued(), 16u);
    EXPECT_EQ(in(IIR)&0x0f, 0x04) << "at the trigger level";
    // serial8250_rx_chars: read while LSR says data ready.
    std::string got;
    while (in(LSR)&0x01) got.push_back(char(in(RX)));
    EXPECT_EQ(got, "hbcdefghijklmnop");
    EXPECT_FALSE(uart.irq_level());
    EXPECT_EQ(in(RX), 'p') << "an empty RBR reads the last byte again";
}

TEST_F(UartTest, WithoutFifosTheReceiverHoldsOneByte) {
    ASSERT_TRUE(uart.receive('1'));
    EXPECT_FALSE(uart.receive('2'));
    EXPECT_EQ(in(IIR), 0x01) << "no FIFO bits, no interrupt enabled";
    EXPECT_EQ(in(RX), '1');
    ASSERT_TRUE(uart.receive('2'));
    out(FCR, 0x01);
    EXPECT_EQ(uart.rx_queued(), 0u) << "switching the FIFOs on empties them";
}

TEST_F(UartTest, LoopbackSendsToTheReceiverNotTheLine) {
    out(MCR, 0x10);
    out(RX, 'L');
    EXPECT_TRUE(line.sent.empty());
    EXPECT_EQ(in(LSR)&0x01, 0x01);
    EXPECT_EQ(in(RX), 'L');
    out(MCR, 0x1f);
    EXPECT_EQ(in(MSR)&0xf0, 0xf0);
    out(MCR, 0x00);
    EXPECT_EQ(in(MSR)&0xf0, 0xb0) << "a terminal: carrier, DSR, CTS, no ring";
}

// Interrupt-driven output as Linux does it, through an edge-triggered PIC:
// start_tx sets IER.THRI; i8259's handle_level_irq masks and EOIs IRQ 4,
// serial8250_interrupt loops until a pass finds nothing (handle_irq decides
// on LSR.THRE, writes up to 16 bytes, clears THRI when the buffer is empty),
// then unmasks. The VMM feeds irq_level() to the PIC after every access.
TEST_F(UartTest, InterruptDrivenOutputDrainsThroughAnEdgeTriggeredPic) {
    Pic8259 pic;
    for (uint8_t b : {0x11, 0x30, 0x04, 0x01}) pic.write(b == 0x11 ? 0x20 : 0x21, b);
    pic.write(0x21, 0xef);  // IRQ 4 only
    auto wire = [&] { pic.set_irq(4, uart.irq_level()); };
    auto in_ = [&](uint16_t reg) {
        uint8_t v = in(reg);
        wire();
        return v;
    };
    auto out_ = [&](uint16_t reg, uint8_t v) {
        out(reg, v);
        wire();
    };
    out_(FCR, 0x07);
    out_(MCR, 0x0b);
    std::string text;
    for (int i = 0; i < 100; ++i) text.push_back(char('A' + i % 26));
    size_t next = 0;
    uint8_t ier = 0x01;
    out_(IER, ier);
    ier |= 0x02;  // serial8250_start_tx
    out_(IER, ier);
    int interrupts = 0;
    while (pic.interrupt_pending()) {
        ASSERT_LT(++interrupts, 100) << "an interrupt storm";
        uint8_t vector = pic.acknowledge();
        ASSERT_EQ(vector, 0x34);
        pic.write(0x21, 0xff);  // mask_and_ack_8259A
        pic.write(0x20, 0x64);
        for (int pass = 0; pass < 512; ++pass) {
            if (in_(IIR) & 0x01) break;
            uint8_t lsr = in_(LSR);
            in_(MSR);
            if ((lsr & 0x20) && (ier & 0x02)) {
                for (int n = 0; n < 16 && next < text.size(); ++n) out_(RX, uint8_t(text[next++]));
                if (next == text.size()) {
                    ier &= uint8_t(~0x02);  // __stop_tx
                    out_(IER, ier);
                }
            }
        }
        pic.write(0x21, 0xef);  // unmask
    }
    EXPECT_EQ(line.sent, text);
    EXPECT_FALSE(uart.irq_level());
    EXPECT_LE(interrupts, 2);
}

}  // namespace
