#include "../../kernel/power.hpp"

#include "cpu.hpp"

namespace keel::power {
namespace {
constinit uint16_t debug_exit_port = 0;
}

void set_debug_exit_port(uint16_t port) { debug_exit_port = port; }

void halt(ExitCode code) {
    x86::cli();
    if (debug_exit_port) x86::outb(debug_exit_port, uint8_t(code));
    for (;;) x86::hlt();
}

void hold() {
    x86::sti();
    for (;;) x86::hlt();
}

}  // namespace keel::power
