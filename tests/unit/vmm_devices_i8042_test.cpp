// The keyboard controller without devices, as Linux's i8042 driver probes
// it (drivers/input/serio/i8042.c): flush, self-test, the command byte, the
// AUX loop and toggle tests; and the reset line.
#include <gtest/gtest.h>

#include "vmm/devices/i8042.hpp"

using keel::vmm::dev::I8042;

namespace {

struct Kbc : ::testing::Test {
    int resets = 0;
    I8042 kbc{[](void* ctx) { ++*static_cast<int*>(ctx); }, &resets};

    uint8_t status() { return kbc.read(0x64); }
    // i8042_command: wait for an empty input buffer, write the command and
    // its parameters, then wait (boundedly) for each reply byte.
    bool command(uint8_t cmd, int params, uint8_t* param, int replies, bool aux_reply = false) {
        for (int i = 0; i < 10000 && (status() & 0x02); ++i) {}
        if (status() & 0x02) return false;
        kbc.write(0x64, cmd);
        for (int i = 0; i < params; ++i) kbc.write(0x60, param[i]);
        for (int i = 0; i < replies; ++i) {
            uint8_t s = status();
            if (!(s & 0x01)) return false;
            if (aux_reply && !(s & 0x20)) return false;
            param[i] = kbc.read(0x60);
        }
        return true;
    }
    int flush() {
        int n = 0;
        while ((status() & 0x01) && n < 16) kbc.read(0x60), ++n;
        return n;
    }
};

TEST_F(Kbc, LinuxFindsAControllerThatPassesItsSelfTest) {
    EXPECT_EQ(flush(), 0);
    uint8_t param = 0;
    ASSERT_TRUE(command(0xaa, 0, &param, 1));
    EXPECT_EQ(param, 0x55);
    EXPECT_TRUE(status() & 0x04) << "system flag";
    ASSERT_TRUE(command(0xab, 0, &param, 1));
    EXPECT_EQ(param, 0x00) << "keyboard interface test";
    EXPECT_EQ(resets, 0);
}

TEST_F(Kbc, TheCommandByteReadsBackWhatWasWritten) {
    uint8_t ctr = 0;
    ASSERT_TRUE(command(0x20, 0, &ctr, 1));
    EXPECT_EQ(ctr, 0x65);
    uint8_t new_ctr = 0x47;
    ASSERT_TRUE(command(0x60, 1, &new_ctr, 0));
    ASSERT_TRUE(command(0x20, 0, &ctr, 1));
    EXPECT_EQ(ctr, 0x47);
    EXPECT_EQ(kbc.command_byte(), 0x47);
    kbc.write(0x64, 0xad);
    EXPECT_EQ(kbc.command_byte() & 0x10, 0x10) << "keyboard disabled";
    kbc.write(0x64, 0xae);
    EXPECT_EQ(kbc.command_byte() & 0x10, 0);
}

// i8042_check_aux: the AUX loop returns the byte as mouse data; disabling
// and enabling AUX shows in the command byte.
TEST_F(Kbc, AuxLoopAndToggleTests) {
    uint8_t param = 0x5a;
    ASSERT_TRUE(command(0xd3, 1, &param, 1, true));
    EXPECT_EQ(param, 0x5a);
    kbc.write(0x64, 0xa7);
    uint8_t ctr = 0;
    ASSERT_TRUE(command(0x20, 0, &ctr, 1));
    EXPECT_TRUE(ctr & 0x20);
    kbc.write(0x64, 0xa8);
    ASSERT_TRUE(command(0x20, 0, &ctr, 1));
    EXPECT_FALSE(ctr & 0x20);
    // The AUX IRQ test: with AUX interrupts on, the looped byte raises IRQ 12.
    uint8_t on = uint8_t(ctr | 0x02);
    ASSERT_TRUE(command(0x60, 1, &on, 0));
    kbc.write(0x64, 0xd3);
    kbc.write(0x60, 0xa5);
    EXPECT_TRUE(kbc.irq12_level());
    EXPECT_FALSE(kbc.irq1_level());
    EXPECT_EQ(kbc.read(0x60), 0xa5);
    EXPECT_FALSE(kbc.irq12_level());
}

// atkbd's probe writes to the keyboard; with none attached the controller
// answers 0xff with the time-out bit, at once.
TEST_F(Kbc, BytesToAbsentDevicesTimeOutAtOnce) {
    kbc.write(0x60, 0xf2);  // GET ID
    uint8_t s = status();
    EXPECT_EQ(s & 0x41, 0x41);
    EXPECT_FALSE(s & 0x20);
    EXPECT_TRUE(kbc.irq1_level()) << "the keyboard interrupt is on in the command byte";
    EXPECT_EQ(kbc.read(0x60), 0xff);
    EXPECT_EQ(status() & 0x41, 0);
    kbc.write(0x64, 0xd4);
    kbc.write(0x60, 0xff);  // mouse reset
    EXPECT_EQ(status() & 0x61, 0x61) << "AUX data, time-out";
}

TEST_F(Kbc, TheDataPortRepeatsItsLastByteAndNeverBlocks) {
    EXPECT_EQ(kbc.read(0x60), 0x00);
    uint8_t p = 0;
    ASSERT_TRUE(command(0xaa, 0, &p, 1));
    EXPECT_EQ(kbc.read(0x60), 0x55);
    EXPECT_EQ(kbc.read(0x60), 0x55);
    EXPECT_FALSE(status() & 0x02) << "the input buffer is never full";
    for (int i = 0; i < 100; ++i) kbc.write(0x64, 0xaa);
    EXPECT_EQ(flush(), int(I8042::QUEUE)) << "replies nobody reads are bounded";
}

TEST_F(Kbc, TheResetLineRebootsTheMachine) {
    kbc.write(0x64, 0xfe);
    EXPECT_EQ(resets, 1);
    kbc.write(0x64, 0xff);
    EXPECT_EQ(resets, 1) << "0xff pulses nothing";
    uint8_t out = 0;
    ASSERT_TRUE(command(0xd0, 0, &out, 1));
    EXPECT_EQ(out & 0x03, 0x03) << "reset inactive, A20 on";
    uint8_t a20_off = 0x01;
    ASSERT_TRUE(command(0xd1, 1, &a20_off, 0));
    EXPECT_FALSE(kbc.a20());
    EXPECT_EQ(resets, 1);
    uint8_t reset = 0x00;
    ASSERT_TRUE(command(0xd1, 1, &reset, 0));
    EXPECT_EQ(resets, 2);
}

TEST_F(Kbc, TheStatusRegisterTellsCommandsFromData) {
    kbc.write(0x64, 0xa8);
    EXPECT_TRUE(status() & 0x08);
    kbc.write(0x60, 0x00);
    EXPECT_FALSE(status() & 0x08);
    EXPECT_TRUE(status() & 0x10) << "not locked";
}

}  // namespace
