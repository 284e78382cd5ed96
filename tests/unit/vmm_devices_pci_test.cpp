// PCI configuration mechanism #1 through the port bus, as Linux probes it
// (arch/x86/pci/direct.c: pci_check_type1, pci_sanity_check) and scans bus 0.
#include <gtest/gtest.h>

#include <vector>

#include "vmm/devices/pci_host.hpp"
#include "vmm/devices/port_bus.hpp"

using keel::vmm::dev::PciFunction;
using keel::vmm::dev::PciHost;
using keel::vmm::dev::PciHostBridge;
using keel::vmm::dev::PortBus;

namespace {

struct Pci : ::testing::Test {
    PortBus bus;
    PciHost host;
    PciHostBridge bridge;
    void SetUp() override {
        ASSERT_TRUE(bus.add(0xcf8, 0xcfb, PciHost::port_io, &host, false));
        ASSERT_TRUE(bus.add(0xcfc, 0xcff, PciHost::port_io, &host, false));
        ASSERT_TRUE(host.add(bridge.function()));
    }
    uint32_t config(unsigned b, unsigned d, unsigned f, unsigned reg, unsigned size) {
        bus.write(0xcf8, 4, 0x80000000u | b << 16 | d << 11 | f << 8 | (reg & 0xfc));
        return bus.read(uint16_t(0xcfc + (reg & 3)), size);
    }
};

TEST_F(Pci, LinuxFindsMechanism1) {
    bus.write(0xcfb, 1, 0x01);  // the mechanism #2 probe: not ours
    uint32_t tmp = bus.read(0xcf8, 4);
    bus.write(0xcf8, 4, 0x80000000);
    EXPECT_EQ(bus.read(0xcf8, 4), 0x80000000u);
    bus.write(0xcf8, 4, tmp);
    EXPECT_EQ(bus.read(0xcf8, 1), 0xffu) << "narrow accesses to 0xcf8 are not the address register";
    bus.write(0xcf8, 4, 0xffffffff);
    EXPECT_EQ(bus.read(0xcf8, 4), 0x80fffffcu) << "reserved bits read zero";
}

// pci_sanity_check: some function on bus 0 is a host bridge (class 0x0600)
// or comes from Intel.
TEST_F(Pci, TheHostBridgePassesLinuxsSanityCheck) {
    EXPECT_EQ(config(0, 0, 0, 0x0a, 2), 0x0600u);
    EXPECT_EQ(config(0, 0, 0, 0x00, 2), 0x8086u);
    EXPECT_EQ(config(0, 0, 0, 0x00, 4), 0x12378086u);
    EXPECT_EQ(config(0, 0, 0, 0x08, 4), 0x06000002u);
    EXPECT_EQ(config(0, 0, 0, 0x0e, 1), 0x00u) << "header type 0, one function";
    EXPECT_EQ(config(0, 0, 0, 0x01, 2), 0x3780u) << "unaligned word";
}

TEST_F(Pci, AbsentFunctionsReadAllOnes) {
    EXPECT_EQ(config(0, 1, 0, 0, 4), 0xffffffffu);
    EXPECT_EQ(config(0, 0, 1, 0, 2), 0xffffu);
    EXPECT_EQ(config(1, 0, 0, 0, 1), 0xffu);
    bus.write(0xcf8, 4, 0x00000000);  // enable bit clear
    EXPECT_EQ(bus.read(0xcfc, 4), 0xffffffffu);
}

TEST_F(Pci, TheHostBridgeIsReadOnly) {
    config(0, 0, 0, 0x04, 2);
    bus.write(0xcfc, 4, 0);
    EXPECT_EQ(config(0, 0, 0, 0x00, 4), 0x12378086u);
    bus.write(0xcf8, 4, 0x80000010);  // BAR 0: sizing finds nothing
    bus.write(0xcfc, 4, 0xffffffff);
    EXPECT_EQ(bus.read(0xcfc, 4), 0u);
}

struct Fake {
    std::vector<std::pair<uint16_t, unsigned>> reads, writes;
    static uint32_t read(void* ctx, uint16_t offset, unsigned size) {
        static_cast<Fake*>(ctx)->reads.push_back({offset, size});
        return 0xa5a5a5a5;
    }
    static void write(void* ctx, uint16_t offset, unsigned size, uint32_t) {
        static_cast<Fake*>(ctx)->writes.push_back({offset, size});
    }
};

TEST_F(Pci, AccessesReachTheSelectedFunctionWithOffsetAndSize) {
    Fake fake;
    ASSERT_TRUE(host.add({0, 3, 2, Fake::read, Fake::write, &fake}));
    EXPECT_FALSE(host.add({0, 3, 2, Fake::read, Fake::write, &fake})) << "taken";
    EXPECT_FALSE(host.add({0, 32, 0, Fake::read, Fake::write, &fake})) << "no device 32";
    EXPECT_EQ(config(0, 3, 2, 0x43, 1), 0xa5u);
    bus.write(0xcfe, 2, 0x1234);
    ASSERT_EQ(fake.reads.size(), 1u);
    EXPECT_EQ(fake.reads[0], std::make_pair(uint16_t(0x43), 1u));
    ASSERT_EQ(fake.writes.size(), 1u);
    EXPECT_EQ(fake.writes[0], std::make_pair(uint16_t(0x42), 2u));
    // A dword at 0xcfe runs past the window: two bytes reach the function.
    fake.reads.clear();
    EXPECT_EQ(bus.read(0xcfe, 4), 0xffffa5a5u);
    EXPECT_EQ(fake.reads.size(), 2u);
}

TEST_F(Pci, TheFunctionTableIsBounded) {
    Fake fake;
    size_t added = 1;
    for (uint8_t d = 1; d < 32 && host.add({0, d, 0, Fake::read, Fake::write, &fake}); ++d) ++added;
    EXPECT_EQ(added, PciHost::MAX_FUNCTIONS);
}

}  // namespace
