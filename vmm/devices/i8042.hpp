// The 8042 keyboard controller (data 0x60, status/command 0x64) with no
// keyboard and no mouse on its ports. What a guest needs of it: the
// controller's own commands (self-test, interface tests, the command byte,
// the output port) and the reset line, which calls the VMM back. A byte sent
// to an absent device comes back as 0xff with the time-out bit, as a real
// controller answers, so a driver learns at once that nothing is there.
// Nothing waits: the input buffer is never full, replies are queued at once.
//
// Ports are 8-bit; wider accesses are split by PortBus. IRQ 1 and IRQ 12 are
// levels the VMM reads after each access. Pure: unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm::dev {

class I8042 {
public:
    using Reset = void (*)(void* ctx);
    static constexpr size_t QUEUE = 8;

    I8042(Reset reset, void* ctx) : reset_(reset), ctx_(ctx) {}

    uint8_t read(uint16_t port);  // 0x60, 0x64
    void write(uint16_t port, uint8_t value);

    bool irq1_level() const;  // keyboard data waiting, its interrupt enabled
    bool irq12_level() const;  // mouse (AUX) data waiting, its interrupt enabled
    bool a20() const { return output_port_ & 2; }
    uint8_t command_byte() const { return ram_[0]; }

private:
    struct Byte {
        uint8_t value;
        bool aux, timeout;
    };
    void reply(uint8_t value, bool aux = false, bool timeout = false);
    void command(uint8_t value);
    void data(uint8_t value);
    void set_output_port(uint8_t value);

    Reset reset_;
    void* ctx_;
    Byte queue_[QUEUE] = {};
    size_t head_ = 0, count_ = 0;
    uint8_t last_ = 0;  // what 0x60 reads with nothing queued
    // ram_[0] is the command byte: keyboard interrupt on, system flag,
    // scancode translation; the mouse disabled, as a BIOS hands it over.
    uint8_t ram_[32] = {0x65};
    uint8_t output_port_ = 0x03;  // reset line high (inactive), A20 on
    uint8_t pending_ = 0;  // a command waiting for its data byte
    bool last_was_command_ = false;
};

}  // namespace keel::vmm::dev
