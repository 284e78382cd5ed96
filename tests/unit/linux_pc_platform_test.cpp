// The Linux VMM's PC with more than one vCPU: each vCPU's local APIC is its
// own page, interprocessor interrupts reach the vCPU they address (and
// only it), application processors start only after INIT and a start-up
// message, a lowest-priority interrupt goes to one vCPU, and the 8259's
// virtual wire and the PIT are the first vCPU's. The VMM wakes or recalls
// the vCPUs take_kicks() names.
#include <gtest/gtest.h>

#include "vmm/linux/pc_platform.hpp"

namespace keel::vmm::linux_vm {
namespace {

using dev::LocalApic;

constexpr uint64_t APIC = LocalApic::BASE;
constexpr uint32_t FIXED = 0, INIT = 5u << 8, STARTUP = 6u << 8, NMI = 4u << 8, LEVEL_ASSERT = 1u << 14;
constexpr uint32_t SELF = 1u << 18;

void nothing_out(uint8_t, void*) {}
void nothing(void*) {}

class TwoVcpus : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(pc.init(128 << 20));
        // Linux enables each vCPU's APIC (the firmware did only the first's).
        write(0, LocalApic::SVR, LocalApic::SVR_ENABLE | 0xff);
        write(1, LocalApic::SVR, LocalApic::SVR_ENABLE | 0xff);
        (void)pc.take_kicks();
    }
    void write(unsigned vcpu, uint32_t reg, uint32_t value) {
        uint64_t v = value;
        ASSERT_TRUE(pc.mmio(vcpu, APIC + reg, 4, true, v, 0));
    }
    uint32_t read(unsigned vcpu, uint32_t reg) {
        uint64_t v = 0;
        EXPECT_TRUE(pc.mmio(vcpu, APIC + reg, 4, false, v, 0));
        return uint32_t(v);
    }
    // The ICR: destination (physical APIC ID) first, then the command.
    void send(unsigned from, uint8_t destination, uint32_t command) {
        write(from, LocalApic::ICR_HIGH, uint32_t(destination) << 24);
        write(from, LocalApic::ICR_LOW, command);
    }
    PcPlatform pc{nothing_out, nothing, nothing, nullptr, 2};
};

TEST_F(TwoVcpus, EachVcpuSeesItsOwnLocalApic) {
    EXPECT_EQ(read(0, LocalApic::ID) >> 24, 0u);
    EXPECT_EQ(read(1, LocalApic::ID) >> 24, 1u);
    // No third vCPU, no third APIC page.
    uint64_t v = 0;
    EXPECT_FALSE(pc.mmio(2, APIC + LocalApic::ID, 4, false, v, 0));
}

TEST_F(TwoVcpus, AnIpiReachesOnlyTheVcpuItAddressesAndKicksIt) {
    send(0, 1, FIXED | 0x40);
    EXPECT_EQ(pc.take_kicks(), 0b10u);
    EXPECT_TRUE(pc.interrupt_pending(1));
    EXPECT_FALSE(pc.interrupt_pending(0));
    EXPECT_EQ(pc.acknowledge(1), 0x40);
    EXPECT_EQ(pc.take_kicks(), 0u);  // told once
    // A self IPI stays with its sender (a class above the one in service).
    send(1, 0, SELF | 0x51);
    EXPECT_FALSE(pc.interrupt_pending(0));
    EXPECT_TRUE(pc.interrupt_pending(1));
}

TEST_F(TwoVcpus, AnApplicationProcessorStartsOnlyAfterInitThenStartup) {
    EXPECT_EQ(pc.startup_vector(1), -1);
    send(0, 1, STARTUP | 0x9a);  // without INIT: dropped
    EXPECT_EQ(pc.startup_vector(1), -1);
    send(0, 1, INIT | LEVEL_ASSERT);
    EXPECT_EQ(pc.startup_vector(1), -1);
    EXPECT_EQ(pc.take_kicks(), 0u);
    send(0, 1, STARTUP | 0x9b);
    EXPECT_EQ(pc.startup_vector(1), 0x9b);
    EXPECT_EQ(pc.take_kicks(), 0b10u);
    // The second start-up message of INIT-SIPI-SIPI, and a later INIT, do
    // not restart it: counted as dropped.
    const uint64_t dropped = pc.dropped_messages();
    send(0, 1, STARTUP | 0x10);
    send(0, 1, INIT | LEVEL_ASSERT);
    send(0, 1, STARTUP | 0x11);
    EXPECT_EQ(pc.startup_vector(1), 0x9b);
    EXPECT_EQ(pc.dropped_messages(), dropped + 3);
}

TEST_F(TwoVcpus, TheBootstrapProcessorIsNeverReset) {
    send(1, 0, INIT | LEVEL_ASSERT);
    send(1, 0, STARTUP | 0x20);
    EXPECT_EQ(pc.startup_vector(0), -1);
    EXPECT_EQ(pc.dropped_messages(), 2u);
}

TEST_F(TwoVcpus, NmiAndMessagesToNoApicAreDroppedNotDelivered) {
    send(0, 1, NMI);
    send(0, 7, FIXED | 0x40);  // no APIC 7: nobody takes it
    EXPECT_FALSE(pc.interrupt_pending(1));
    EXPECT_EQ(pc.take_kicks(), 0u);
    EXPECT_EQ(pc.dropped_messages(), 1u);
}

TEST_F(TwoVcpus, TheEightFiftyNinesVirtualWireAndThePitAreTheFirstVcpus) {
    // Only vCPU 0's LINT0 is the 8259's wire: the COM1 line (IRQ 4, unmasked
    // in the 8259 after an ICW sequence) reaches it.
    for (auto [port, value] : {std::pair<uint16_t, uint8_t>{0x20, 0x11},
                               {0x21, 0x30},
                               {0x21, 0x04},
                               {0x21, 0x01},
                               {0x21, 0xfe}}) {  // IRQ 0 only
        pc.write(port, 1, value, 0);
    }
    pc.write(0x43, 1, 0x34, 0);  // PIT channel 0, rate generator
    pc.write(0x40, 1, 0x00, 0);
    pc.write(0x40, 1, 0x10, 0);
    EXPECT_NE(pc.next_event_ns(0, 0), PcPlatform::NEVER);
    EXPECT_EQ(pc.next_event_ns(1, 0), PcPlatform::NEVER);  // its APIC timer is off
    const uint64_t at = pc.next_event_ns(0, 0);
    pc.update(at);
    EXPECT_TRUE(pc.interrupt_pending(0));
    EXPECT_FALSE(pc.interrupt_pending(1));
    EXPECT_EQ(pc.take_kicks() & 1u, 1u);
    EXPECT_EQ(pc.acknowledge(0), 0x30);
}

TEST_F(TwoVcpus, AnotherVcpusWriteToThePitOrThe8259KicksTheFirst) {
    // vCPU 0 acts on the PIT's deadline and the 8259's output: a new count
    // or an unmask written by vCPU 1 must make it look again.
    pc.write(0x43, 1, 0x34, 0);
    EXPECT_EQ(pc.take_kicks() & 1u, 1u);
    pc.write(0x21, 1, 0xfe, 0);
    EXPECT_EQ(pc.take_kicks() & 1u, 1u);
    (void)pc.read(0x21, 1, 0);  // a read changes nothing
    EXPECT_EQ(pc.take_kicks(), 0u);
}

TEST_F(TwoVcpus, ALowestPriorityInterruptGoesToOneVcpu) {
    // The I/O APIC's pin 4 (COM1) to both vCPUs (logical, flat mode, both
    // in the mask), lowest priority: exactly one of them takes it.
    write(0, LocalApic::LDR, 1u << 24);
    write(1, LocalApic::LDR, 2u << 24);
    write(0, LocalApic::DFR, 0xffffffff);
    write(1, LocalApic::DFR, 0xffffffff);
    uint64_t v = 0x10 + 2 * 4;
    ASSERT_TRUE(pc.mmio(0, dev::IoApic::BASE, 4, true, v, 0));  // IOREGSEL: pin 4's low word
    v = 0x51 | 1u << 8 | 1u << 11;  // vector 0x51, lowest priority, logical
    ASSERT_TRUE(pc.mmio(0, dev::IoApic::BASE + 0x10, 4, true, v, 0));
    v = 0x10 + 2 * 4 + 1;
    ASSERT_TRUE(pc.mmio(0, dev::IoApic::BASE, 4, true, v, 0));
    v = 3u << 24;  // both
    ASSERT_TRUE(pc.mmio(0, dev::IoApic::BASE + 0x10, 4, true, v, 0));
    (void)pc.take_kicks();
    pc.write(0x3fc, 1, 0x08, 0);  // COM1's OUT2: its interrupt reaches the bus
    pc.write(0x3f9, 1, 0x02, 0);  // transmitter-empty interrupts on: its line rises
    const bool first = pc.interrupt_pending(0), second = pc.interrupt_pending(1);
    EXPECT_TRUE(first != second);
    EXPECT_EQ(pc.take_kicks(), first ? 0b01u : 0b10u);
}

TEST(PcPlatform, VcpuCountsOutsideOneToEightAreCut) {
    PcPlatform none{nothing_out, nothing, nothing, nullptr, 0}, many{nothing_out, nothing, nothing, nullptr, 99};
    EXPECT_EQ(none.vcpus(), 1u);
    EXPECT_EQ(many.vcpus(), PcPlatform::MAX_VCPUS);
    EXPECT_FALSE(none.interrupt_pending(5));
    EXPECT_EQ(none.startup_vector(5), -1);
    EXPECT_EQ(none.next_event_ns(5, 0), PcPlatform::NEVER);
}

}  // namespace
}  // namespace keel::vmm::linux_vm
