#include "vmm/devices/i8042.hpp"

namespace keel::vmm::dev {

namespace {
constexpr uint8_t STATUS_OBF = 0x01, STATUS_SYS = 0x04, STATUS_COMMAND = 0x08, STATUS_UNLOCKED = 0x10;
constexpr uint8_t STATUS_AUX = 0x20, STATUS_TIMEOUT = 0x40;
constexpr uint8_t CB_KBD_IRQ = 0x01, CB_AUX_IRQ = 0x02, CB_SYS = 0x04, CB_KBD_OFF = 0x10, CB_AUX_OFF = 0x20;
constexpr uint8_t NO_DEVICE = 0xff;
}  // namespace

// A full queue drops the reply: only a guest that never reads can fill it.
void I8042::reply(uint8_t value, bool aux, bool timeout) {
    if (count_ == QUEUE) return;
    queue_[(head_ + count_++) % QUEUE] = {value, aux, timeout};
}

bool I8042::irq1_level() const { return count_ && !queue_[head_].aux && (ram_[0] & CB_KBD_IRQ); }

bool I8042::irq12_level() const { return count_ && queue_[head_].aux && (ram_[0] & CB_AUX_IRQ); }

void I8042::set_output_port(uint8_t value) {
    output_port_ = value | 1;
    if (!(value & 1)) reset_(ctx_);  // bit 0 is the CPU's reset line, active low
}

uint8_t I8042::read(uint16_t port) {
    if (port == 0x64) {
        uint8_t s =
            uint8_t(STATUS_UNLOCKED | (ram_[0] & CB_SYS ? STATUS_SYS : 0) | (last_was_command_ ? STATUS_COMMAND : 0));
        if (count_) {
            s |= STATUS_OBF;
            if (queue_[head_].aux) s |= STATUS_AUX;
            if (queue_[head_].timeout) s |= STATUS_TIMEOUT;
        }
        return s;
    }
    if (port != 0x60) return 0xff;
    if (count_) {
        last_ = queue_[head_].value;
        head_ = (head_ + 1) % QUEUE;
        --count_;
    }
    return last_;
}

void I8042::write(uint16_t port, uint8_t value) {
    if (port == 0x64) {
        last_was_command_ = true;
        command(value);
    } else if (port == 0x60) {
        last_was_command_ = false;
        data(value);
    }
}

void I8042::command(uint8_t value) {
    pending_ = 0;
    if (value >= 0x20 && value <= 0x3f) return reply(ram_[value & 0x1f]);
    if ((value >= 0x60 && value <= 0x7f) || value == 0xd1 || value == 0xd2 || value == 0xd3 || value == 0xd4) {
        pending_ = value;
        return;
    }
    // 0xf0-0xff pulse the output port's low bits that are clear in the
    // command; bit 0 is reset (0xfe is the usual reboot).
    if (value >= 0xf0) {
        if (!(value & 1)) reset_(ctx_);
        return;
    }
    switch (value) {
    case 0xa7: ram_[0] |= CB_AUX_OFF; return;
    case 0xa8: ram_[0] &= uint8_t(~CB_AUX_OFF); return;
    case 0xa9: return reply(0x00);  // AUX interface test: the lines are fine
    case 0xaa: ram_[0] |= CB_SYS; return reply(0x55);  // self-test passed
    case 0xab: return reply(0x00);  // keyboard interface test
    case 0xad: ram_[0] |= CB_KBD_OFF; return;
    case 0xae: ram_[0] &= uint8_t(~CB_KBD_OFF); return;
    case 0xc0: return reply(0xa0);  // input port: keyboard not locked, 256 KiB
    case 0xd0: return reply(output_port_);
    default: return;  // unknown: ignored, as most controllers do
    }
}

void I8042::data(uint8_t value) {
    uint8_t cmd = pending_;
    pending_ = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
        ram_[cmd & 0x1f] = value;
        return;
    }
    switch (cmd) {
    case 0xd1: return set_output_port(value);
    case 0xd2: return reply(value);  // as if from the keyboard
    case 0xd3: return reply(value, true);  // as if from the mouse: the AUX loop test
    case 0xd4: return reply(NO_DEVICE, true, true);
    default: return reply(NO_DEVICE, false, true);  // to the keyboard that is not there
    }
}

}  // namespace keel::vmm::dev
