// The VMM's I/O port dispatcher: unclaimed ports float high, 8-bit devices
// see wide accesses as byte cycles, wide ranges see them whole.
#include <gtest/gtest.h>

#include <vector>

#include "vmm/devices/port_bus.hpp"

using keel::vmm::dev::PortBus;

namespace {

struct Access {
    uint16_t port;
    unsigned size;
    bool write;
    uint32_t value;
};

struct Recorder {
    std::vector<Access> log;
    uint32_t answer = 0;
    bool refuse = false;
};

bool record(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value) {
    auto* r = static_cast<Recorder*>(ctx);
    if (r->refuse) return false;
    r->log.push_back({port, size, write, value});
    if (!write) value = r->answer + (port & 0xff);
    return true;
}

TEST(PortBus, UnclaimedPortsReadAllOnesAndIgnoreWrites) {
    PortBus bus;
    EXPECT_EQ(bus.read(0x80, 1), 0xffu);
    EXPECT_EQ(bus.read(0x80, 2), 0xffffu);
    EXPECT_EQ(bus.read(0x80, 4), 0xffffffffu);
    bus.write(0x80, 4, 0x12345678);  // nothing to see, nothing to crash
    EXPECT_EQ(bus.read(0x80, 3), 0xffffffffu) << "an impossible size reads as all ones";
}

TEST(PortBus, ByteWideDevicesSeeWideAccessesAsByteCyclesLowByteFirst) {
    PortBus bus;
    Recorder r;
    ASSERT_TRUE(bus.add(0x40, 0x43, record, &r));
    EXPECT_EQ(bus.read(0x40, 2), 0x4140u);
    ASSERT_EQ(r.log.size(), 2u);
    EXPECT_EQ(r.log[0].port, 0x40);
    EXPECT_EQ(r.log[1].port, 0x41);
    EXPECT_EQ(r.log[0].size, 1u);
    r.log.clear();
    bus.write(0x41, 2, 0xbeef);
    ASSERT_EQ(r.log.size(), 2u);
    EXPECT_EQ(r.log[0].port, 0x41);
    EXPECT_EQ(r.log[0].value, 0xefu);
    EXPECT_EQ(r.log[1].port, 0x42);
    EXPECT_EQ(r.log[1].value, 0xbeu);
    r.log.clear();
    // The bytes past the range's end belong to nobody: they float high.
    EXPECT_EQ(bus.read(0x42, 4), 0xffff4342u);
    EXPECT_EQ(r.log.size(), 2u);
}

TEST(PortBus, WideRangesSeeTheAccessWholeUnlessItRunsPastTheirEnd) {
    PortBus bus;
    Recorder r;
    ASSERT_TRUE(bus.add(0xcfc, 0xcff, record, &r, false));
    EXPECT_EQ(bus.read(0xcfc, 4), 0xfcu);
    ASSERT_EQ(r.log.size(), 1u);
    EXPECT_EQ(r.log[0].size, 4u);
    r.log.clear();
    EXPECT_EQ(bus.read(0xcfd, 2), 0xfdu);
    ASSERT_EQ(r.log.size(), 1u);
    r.log.clear();
    EXPECT_EQ(bus.read(0xcfe, 4), 0xfffffffeu) << "split at the end: 0xcfe, 0xcff, then nobody's";
    EXPECT_EQ(r.log.size(), 2u);
}

TEST(PortBus, AHandlerThatDeclinesIsAsGoodAsAbsent) {
    PortBus bus;
    Recorder r;
    r.refuse = true;
    ASSERT_TRUE(bus.add(0xcf8, 0xcfb, record, &r, false));
    EXPECT_EQ(bus.read(0xcf8, 1), 0xffu);
    EXPECT_EQ(bus.read(0xcf8, 4), 0xffffffffu);
}

TEST(PortBus, EachPortHasOneOwnerAndTheTableIsBounded) {
    PortBus bus;
    Recorder r;
    ASSERT_TRUE(bus.add(0x3f8, 0x3ff, record, &r));
    EXPECT_FALSE(bus.add(0x3ff, 0x400, record, &r)) << "overlap";
    EXPECT_FALSE(bus.add(0x3f0, 0x3f8, record, &r)) << "overlap";
    EXPECT_FALSE(bus.add(0x10, 0x0f, record, &r)) << "reversed";
    EXPECT_FALSE(bus.add(0x10, 0x10, nullptr, &r)) << "no handler";
    size_t added = 1;
    for (uint16_t p = 0x1000; bus.add(p, p, record, &r); p += 2) ++added;
    EXPECT_EQ(added, PortBus::MAX_RANGES);
}

TEST(PortBus, TheTopOfThePortSpaceDoesNotWrapToPortZero) {
    PortBus bus;
    Recorder low, high;
    ASSERT_TRUE(bus.add(0x0000, 0x0001, record, &low));
    ASSERT_TRUE(bus.add(0xfffe, 0xffff, record, &high));
    high.answer = 0x10;
    EXPECT_EQ(bus.read(0xffff, 4), 0xffffff0fu);
    EXPECT_TRUE(low.log.empty());
    EXPECT_EQ(high.log.size(), 1u);
}

}  // namespace
