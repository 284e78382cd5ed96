#include "platform_port.hpp"

#include "../../hypervisor/arch/x86/cpu.hpp"
#include "lib/format.hpp"

namespace keel::prelaunch {
namespace {

constexpr uint16_t COM2 = 0x2f8;
constexpr uint16_t DATA = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5;
constexpr uint8_t LSR_DATA_READY = 0x01, LSR_THR_EMPTY = 0x20;
// Polls of the line status register; each is an I/O access (about a
// microsecond on hardware, less under emulation).
constexpr uint64_t HELLO_POLLS = 3'000'000;
constexpr uint64_t LAUNCH_POLLS = 300'000'000;

void init() {
    x86::outb(COM2 + IER, 0x00);
    x86::outb(COM2 + LCR, 0x80);
    x86::outb(COM2 + DATA, 0x01);  // 115200 baud
    x86::outb(COM2 + IER, 0x00);
    x86::outb(COM2 + LCR, 0x03);
    x86::outb(COM2 + FCR, 0xc7);
    x86::outb(COM2 + MCR, 0x03);
}

void send(StringView line) {
    for (size_t i = 0; i < line.size; ++i) {
        for (unsigned spins = 0; !(x86::inb(COM2 + LSR) & LSR_THR_EMPTY) && spins < 100000; ++spins) x86::pause();
        x86::outb(COM2 + DATA, uint8_t(line[i]));
    }
}

// One line without its newline; false if none arrived within `polls`.
bool receive(char* out, size_t cap, uint64_t polls) {
    size_t len = 0;
    for (uint64_t i = 0; i < polls; ++i) {
        if (!(x86::inb(COM2 + LSR) & LSR_DATA_READY)) continue;
        char c = char(x86::inb(COM2 + DATA));
        if (c == '\n') {
            out[len] = 0;
            return true;
        }
        if (c != '\r' && len + 1 < cap) out[len++] = c;
    }
    out[len] = 0;
    return false;
}

}  // namespace

bool platform_present() {
    // A UART that is not there reads as 0xff; do not wait on it.
    if (x86::inb(COM2 + LSR) == 0xff) return false;
    init();
    while (x86::inb(COM2 + LSR) & LSR_DATA_READY) (void)x86::inb(COM2 + DATA);
    send("KEEL-PLATFORM HELLO\n");
    // Anything before READY (an answer to firmware chatter on this port from
    // an older emulator, say) is not for us.
    char line[128];
    while (receive(line, sizeof line, HELLO_POLLS))
        if (StringView(line).starts_with("KEEL-PLATFORM READY")) return true;
    return false;
}

bool platform_skinit(uint64_t slb, char* reply, size_t cap) {
    char request[64];
    format_to(request, sizeof request, "KEEL-PLATFORM SKINIT 0x%lx\n", slb);
    send(request);
    if (!receive(reply, cap, LAUNCH_POLLS)) return false;
    return StringView(reply).starts_with("KEEL-PLATFORM LAUNCHED");
}

}  // namespace keel::prelaunch
