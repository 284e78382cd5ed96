// An assigned PCI function's configuration space as the guest sees it
// (vmm/devices/assigned_pci.hpp): QEMU's virtio-net-pci without its legacy
// interface, as the host's firmware left it.
#include <gtest/gtest.h>

#include <cstring>

#include "vmm/devices/assigned_pci.hpp"

namespace keel::vmm::dev {
namespace {

struct VirtioNet {
    uint8_t c[256] = {};
    void put(unsigned at, uint32_t v, unsigned size) {
        for (unsigned i = 0; i < size; ++i) c[at + i] = uint8_t(v >> (8 * i));
    }
    VirtioNet() {
        put(0x00, 0x10411af4, 4);  // virtio 1.0 network device
        put(0x04, 0x0007, 2);  // I/O, memory, bus master (as the kernel left it)
        put(0x06, 0x0010, 2);  // a capability list
        put(0x08, 0x02000001, 4);  // Ethernet controller, revision 1
        c[0x0e] = 0x80;  // multi-function (as a host may have it)
        put(0x14, 0xfebd1000, 4);  // BAR1: 32-bit memory, the MSI-X table (4 KiB)
        put(0x20, 0xfe00000c, 4);  // BAR4: 64-bit prefetchable memory (16 KiB)
        put(0x24, 0x00000000, 4);
        put(0x30, 0xfeb80000, 4);  // an expansion ROM
        put(0x3c, 0x010b, 2);  // INTA, line 11 by the host's firmware
        // Capabilities: MSI-X at 0x98 -> vendor (virtio) at 0x84 -> MSI at 0x70 -> vendor at 0x60 -> end.
        c[0x34] = 0x98;
        put(0x98, 0x8411, 2);
        put(0x84, 0x7009, 2);
        put(0x70, 0x6005, 2);
        put(0x60, 0x0009, 2);
    }
};

constexpr uint64_t SIZES[6] = {0, 0x1000, 0, 0, 0x4000, 0};

uint32_t rd(AssignedPciFunction& f, uint16_t at, unsigned size = 4) { return AssignedPciFunction::read(&f, at, size); }
void wr(AssignedPciFunction& f, uint16_t at, uint32_t v, unsigned size = 4) {
    AssignedPciFunction::write(&f, at, size, v);
}

TEST(AssignedPci, TheDevicesIdentityAndItsBarsWhereTheHostHasThem) {
    VirtioNet d;
    AssignedPciFunction f(d.c, SIZES, 10);
    EXPECT_EQ(rd(f, 0), 0x10411af4u);
    EXPECT_EQ(rd(f, 0x02, 2), 0x1041u);
    EXPECT_EQ(rd(f, 0x08), 0x02000001u);
    EXPECT_EQ(rd(f, 0x14), 0xfebd1000u);
    EXPECT_EQ(rd(f, 0x20), 0xfe00000cu);
    EXPECT_EQ(rd(f, 0x3c, 1), 10u) << "the guest's pin, not the host's line";
    EXPECT_EQ(rd(f, 0x3d, 1), 1u);
    EXPECT_EQ(f.interrupt_pin(), 1);
    EXPECT_EQ(rd(f, 0x0e, 1), 0u) << "single-function";
    EXPECT_EQ(rd(f, 0x30), 0u) << "no expansion ROM";
}

TEST(AssignedPci, BarsAreSizedButNeverMoved) {
    VirtioNet d;
    AssignedPciFunction f(d.c, SIZES, 10);
    wr(f, 0x14, 0xffffffff);
    EXPECT_EQ(rd(f, 0x14), 0xfffff000u);
    wr(f, 0x14, 0xfebd1000);
    EXPECT_EQ(rd(f, 0x14), 0xfebd1000u);
    wr(f, 0x20, 0xffffffff);
    wr(f, 0x24, 0xffffffff);
    EXPECT_EQ(rd(f, 0x20), 0xffffc00cu) << "the size, with the BAR's type bits";
    EXPECT_EQ(rd(f, 0x24), 0xffffffffu);
    wr(f, 0x20, 0x12340000);  // a guest moving it: the BAR stays
    wr(f, 0x24, 0x1);
    EXPECT_EQ(rd(f, 0x20), 0xfe00000cu);
    EXPECT_EQ(rd(f, 0x24), 0u);
    EXPECT_EQ(rd(f, 0x10), 0u) << "absent";
    wr(f, 0x10, 0xffffffff);
    EXPECT_EQ(rd(f, 0x10), 0u);
}

TEST(AssignedPci, ABarTheVmmDidNotMapIsAbsent) {
    VirtioNet d;
    d.put(0x10, 0xc001, 4);  // an I/O BAR
    d.put(0x18, 0xfebd2000, 4);  // 256 bytes: smaller than a page
    const uint64_t sizes[6] = {0x40, 0x1000, 0x100, 0, 0, 0};
    AssignedPciFunction f(d.c, sizes, 10);
    EXPECT_EQ(rd(f, 0x10), 0u);
    EXPECT_EQ(rd(f, 0x18), 0u);
    EXPECT_EQ(rd(f, 0x20), 0u) << "BAR4 not mapped: both halves gone";
    EXPECT_EQ(rd(f, 0x24), 0u);

    VirtioNet last;
    last.put(0x20, 0xfe000008, 4);  // BAR4 32-bit this time
    last.put(0x24, 0xfe10000c, 4);  // BAR5 64-bit, in the last slot: no upper half
    const uint64_t five[6] = {0, 0x1000, 0, 0, 0x4000, 0x4000};
    AssignedPciFunction g(last.c, five, 10);
    EXPECT_EQ(rd(g, 0x20), 0xfe000008u);
    EXPECT_EQ(rd(g, 0x24), 0u);
    EXPECT_EQ(rd(g, 0x28), 0u);
}

TEST(AssignedPci, NoMsiOrMsiXInTheCapabilityList) {
    VirtioNet d;
    AssignedPciFunction f(d.c, SIZES, 10);
    EXPECT_EQ(rd(f, 0x06, 2) & 0x10, 0x10u);
    uint8_t at = uint8_t(rd(f, 0x34, 1));
    unsigned seen = 0;
    for (int n = 0; at && n < 10; ++n, at = uint8_t(rd(f, at + 1, 1))) {
        EXPECT_EQ(rd(f, at, 1), 0x09u) << "capability at 0x" << std::hex << unsigned(at);
        ++seen;
    }
    EXPECT_EQ(seen, 2u);

    // Only MSI and MSI-X: no list at all.
    VirtioNet only;
    only.c[0x34] = 0x98;
    only.put(0x98, 0x7011, 2);
    only.put(0x70, 0x0005, 2);
    AssignedPciFunction g(only.c, SIZES, 10);
    EXPECT_EQ(rd(g, 0x34, 1), 0u);
    EXPECT_EQ(rd(g, 0x06, 2) & 0x10, 0u);

    // A list that loops ends.
    VirtioNet loop;
    loop.c[0x34] = 0x60;
    loop.put(0x60, 0x7009, 2);
    loop.put(0x70, 0x6005, 2);
    AssignedPciFunction h(loop.c, SIZES, 10);
    EXPECT_EQ(rd(h, 0x34, 1), 0x60u);
    EXPECT_EQ(rd(h, 0x61, 1), 0x60u) << "MSI gone; the loop back to the vendor capability stays, bounded";
}

TEST(AssignedPci, TheGuestWritesOnlyItsCommandWordAndLine) {
    VirtioNet d;
    AssignedPciFunction f(d.c, SIZES, 10);
    wr(f, 0x04, 0x0406, 2);
    EXPECT_EQ(rd(f, 0x04, 2), 0x0406u);
    wr(f, 0x3c, 5, 1);
    EXPECT_EQ(rd(f, 0x3c, 1), 5u);
    wr(f, 0x00, 0xdeadbeef);
    wr(f, 0x60, 0xffffffff);
    wr(f, 0x34, 0x98, 1);
    EXPECT_EQ(rd(f, 0), 0x10411af4u);
    EXPECT_EQ(rd(f, 0x60, 2), 0x0009u);
    EXPECT_EQ(rd(f, 0x34, 1), 0x84u);
}

}  // namespace
}  // namespace keel::vmm::dev
