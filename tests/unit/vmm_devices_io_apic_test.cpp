// The I/O APIC through its register window, as Linux's io_apic.c programs
// it: redirection entries, edge and level inputs, remote IRR and the EOI
// that ends it, masking, and whatever a guest does out of range.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "vmm/devices/io_apic.hpp"

namespace keel::vmm::dev {
namespace {

struct Chip {
    IoApic io{2};
    uint32_t reg(uint8_t index) {
        io.write(IoApic::IOREGSEL, 4, index);
        return io.read(IoApic::IOWIN, 4);
    }
    void set(uint8_t index, uint32_t v) {
        io.write(IoApic::IOREGSEL, 4, index);
        io.write(IoApic::IOWIN, 4, v);
    }
    // Entry `pin` as Linux writes it: the high dword, then the low one.
    void program(unsigned pin, uint32_t low, uint8_t destination = 0) {
        set(uint8_t(0x11 + 2 * pin), uint32_t(destination) << 24);
        set(uint8_t(0x10 + 2 * pin), low);
    }
    std::vector<ApicMessage> messages() {
        std::vector<ApicMessage> out;
        ApicMessage m;
        while (io.take_message(m)) out.push_back(m);
        return out;
    }
};

constexpr uint32_t LEVEL = 1u << 15, MASKED = 1u << 16, REMOTE_IRR = 1u << 14, LOGICAL = 1u << 11;

TEST(IoApic, TheWindowShowsIdVersionAndArbitration) {
    Chip c;
    EXPECT_EQ(c.reg(0x00), 2u << 24);
    EXPECT_EQ(c.reg(0x01), 0x00170011u) << "version 0x11, 24 entries";
    EXPECT_EQ(c.reg(0x02), 2u << 24);
    EXPECT_EQ(c.io.read(IoApic::IOREGSEL, 4), 0x02u) << "IOREGSEL reads back";
    c.set(0x00, 0xffffffff);
    EXPECT_EQ(c.reg(0x00), 0x0f000000u) << "a 4-bit ID";
    EXPECT_EQ(c.io.id(), 15);
    c.set(0x01, 0);
    EXPECT_EQ(c.reg(0x01), IoApic::VERSION) << "read-only";
    c.set(0x02, 0);
    EXPECT_EQ(c.reg(0x02), 0x0f000000u);
}

TEST(IoApic, EntriesStartMaskedAndReadOnlyBitsStayClear) {
    Chip c;
    for (unsigned pin = 0; pin < IoApic::PINS; ++pin) {
        EXPECT_EQ(c.reg(uint8_t(0x10 + 2 * pin)), MASKED) << pin;
        EXPECT_EQ(c.reg(uint8_t(0x11 + 2 * pin)), 0u) << pin;
    }
    c.set(0x10 + 2 * 5, 0xffffffff);
    c.set(0x11 + 2 * 5, 0xffffffff);
    EXPECT_EQ(c.reg(0x10 + 2 * 5), 0x0001afffu) << "no delivery status, no remote IRR, no reserved bits";
    EXPECT_EQ(c.reg(0x11 + 2 * 5), 0xff000000u);
    EXPECT_EQ(c.io.redirection(5), 0xff0000000001afffu);
}

TEST(IoApic, EdgeEntriesDeliverOnRisingEdges) {
    Chip c;
    c.program(2, 0x30, 1);  // the PIT's GSI: fixed, physical, to APIC 1
    c.io.set_irq(2, true);
    auto m = c.messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].vector, 0x30);
    EXPECT_EQ(m[0].mode, DeliveryMode::FIXED);
    EXPECT_FALSE(m[0].logical);
    EXPECT_FALSE(m[0].level_triggered);
    EXPECT_EQ(m[0].destination, 1);
    EXPECT_EQ(m[0].shorthand, Shorthand::NONE);
    EXPECT_EQ(m[0].source, 2);
    c.io.set_irq(2, true);
    EXPECT_TRUE(c.messages().empty()) << "no edge: still high";
    c.io.set_irq(2, false);
    EXPECT_TRUE(c.messages().empty());
    c.io.set_irq(2, true);
    EXPECT_EQ(c.messages().size(), 1u);
    EXPECT_EQ(c.reg(0x10 + 2 * 2) & REMOTE_IRR, 0u) << "edge entries have no remote IRR";
}

TEST(IoApic, EdgesWhileMaskedAreLost) {
    Chip c;
    c.program(4, MASKED | 0x34);
    c.io.set_irq(4, true);
    c.io.set_irq(4, false);
    c.io.set_irq(4, true);
    EXPECT_TRUE(c.messages().empty());
    c.program(4, 0x34);
    EXPECT_TRUE(c.messages().empty()) << "unmasking delivers no past edge";
    c.io.set_irq(4, false);
    c.io.set_irq(4, true);
    EXPECT_EQ(c.messages().size(), 1u);
}

TEST(IoApic, EdgesNotYetTakenMergeIntoOneMessage) {
    Chip c;
    c.program(1, 0x31);
    for (int i = 0; i < 3; ++i) {
        c.io.set_irq(1, true);
        c.io.set_irq(1, false);
    }
    EXPECT_EQ(c.messages().size(), 1u);
}

TEST(IoApic, LevelEntriesWaitForEoiAndDeliverAgainWhileAsserted) {
    Chip c;
    c.program(9, LEVEL | LOGICAL | 0x41, 0x01);  // the SCI, to logical CPU 0
    c.io.set_irq(9, true);
    auto m = c.messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_TRUE(m[0].level_triggered);
    EXPECT_TRUE(m[0].logical);
    EXPECT_EQ(m[0].destination, 0x01);
    EXPECT_TRUE(c.reg(0x10 + 2 * 9) & REMOTE_IRR);
    c.io.set_irq(9, false);
    c.io.set_irq(9, true);
    EXPECT_TRUE(c.messages().empty()) << "remote IRR holds it";
    c.io.eoi(0x42);
    EXPECT_TRUE(c.messages().empty()) << "another vector's EOI";
    EXPECT_TRUE(c.reg(0x10 + 2 * 9) & REMOTE_IRR);
    c.io.eoi(0x41);
    EXPECT_EQ(c.messages().size(), 1u) << "still asserted after EOI: again";
    EXPECT_TRUE(c.reg(0x10 + 2 * 9) & REMOTE_IRR);
    c.io.set_irq(9, false);
    c.io.eoi(0x41);
    EXPECT_TRUE(c.messages().empty()) << "de-asserted: done";
    EXPECT_EQ(c.reg(0x10 + 2 * 9) & REMOTE_IRR, 0u);
}

TEST(IoApic, MaskedLevelInterruptsArriveWhenUnmasked) {
    Chip c;
    c.program(10, LEVEL | MASKED | 0x50);
    c.io.set_irq(10, true);
    EXPECT_TRUE(c.messages().empty());
    c.program(10, LEVEL | 0x50);
    EXPECT_EQ(c.messages().size(), 1u);
    c.program(10, LEVEL | MASKED | 0x50);
    c.io.eoi(0x50);
    EXPECT_TRUE(c.messages().empty()) << "masked again: held";
    c.io.set_irq(10, false);
    c.program(10, LEVEL | 0x50);
    EXPECT_TRUE(c.messages().empty()) << "no longer asserted";
}

TEST(IoApic, AnEntryMadeEdgeTriggeredForgetsRemoteIrr) {
    Chip c;
    c.program(11, LEVEL | 0x51);
    c.io.set_irq(11, true);
    c.messages();
    c.program(11, MASKED | 0x51);  // Linux's EOI without an EOI register
    EXPECT_EQ(c.reg(0x10 + 2 * 11) & REMOTE_IRR, 0u);
    c.program(11, LEVEL | 0x51);
    EXPECT_EQ(c.messages().size(), 1u) << "unmasked level entry, line asserted";
}

TEST(IoApic, SharedVectorsAllEndWithOneEoi) {
    Chip c;
    c.program(16, LEVEL | 0x60);
    c.program(17, LEVEL | 0x60);
    c.io.set_irq(16, true);
    c.io.set_irq(17, true);
    auto m = c.messages();
    EXPECT_EQ(m.size(), 2u);
    c.io.set_irq(16, false);
    c.io.eoi(0x60);
    EXPECT_EQ(c.messages().size(), 1u) << "pin 17 still asserted";
    EXPECT_EQ(c.reg(0x10 + 2 * 16) & REMOTE_IRR, 0u);
}

TEST(IoApic, MessagesCarryTheEntrysDeliveryMode) {
    Chip c;
    c.program(0, 0x700);  // ExtINT through the I/O APIC's pin 0
    c.program(3, 0x400);  // NMI
    c.program(5, 0x100 | LOGICAL | 0x35, 0x03);  // lowest priority to CPUs 0 and 1
    c.io.set_irq(5, true);
    c.io.set_irq(3, true);
    c.io.set_irq(0, true);
    auto m = c.messages();
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0].mode, DeliveryMode::EXTINT) << "lowest pin first";
    EXPECT_EQ(m[1].mode, DeliveryMode::NMI);
    EXPECT_EQ(m[2].mode, DeliveryMode::LOWEST_PRIORITY);
    EXPECT_EQ(m[2].destination, 0x03);
}

TEST(IoApic, OutOfRangePinsRegistersAndAccessesChangeNothing) {
    Chip c;
    c.io.set_irq(24, true);
    c.io.set_irq(1000, true);
    c.io.set_irq(~0u, true);
    EXPECT_TRUE(c.messages().empty());
    EXPECT_EQ(c.io.redirection(24), 0u);
    for (unsigned index : {0x03u, 0x0fu, 0x40u, 0x41u, 0xffu}) {
        c.set(uint8_t(index), 0);
        EXPECT_EQ(c.reg(uint8_t(index)), 0xffffffffu) << std::hex << index;
    }
    c.io.write(IoApic::IOREGSEL, 4, 0x110);  // the index is a byte
    EXPECT_EQ(c.io.read(IoApic::IOREGSEL, 4), 0x10u);
    c.io.write(IoApic::IOREGSEL, 1, 0x01);
    EXPECT_EQ(c.io.read(IoApic::IOWIN, 4), IoApic::VERSION) << "a byte write selects";
    EXPECT_EQ(c.io.read(IoApic::IOWIN + 2, 1), 0x17u) << "a byte of the window";
    EXPECT_EQ(c.io.read(IoApic::IOWIN + 3, 2), 0u) << "across the dword";
    EXPECT_EQ(c.io.read(0x20, 4), 0u);
    EXPECT_EQ(c.io.read(0x40, 4), 0u) << "no EOI register in version 0x11";
    EXPECT_EQ(c.io.read(IoApic::IOWIN, 8), 0u);
    c.io.write(IoApic::IOREGSEL, 4, 0x10);
    c.io.write(IoApic::IOWIN, 2, 0x30);
    c.io.write(IoApic::IOWIN + 1, 4, 0x30);
    EXPECT_EQ(c.reg(0x10), MASKED) << "partial window writes are dropped";
    c.io.write(0x40, 4, 0x30);
    c.io.eoi(0);
    EXPECT_TRUE(c.messages().empty());
}

}  // namespace
}  // namespace keel::vmm::dev
