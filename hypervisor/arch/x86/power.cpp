#include "hypervisor/kernel/power.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/kernel/drtm_cap.hpp"

namespace keel::power {
namespace {

constinit uint16_t debug_exit_port = 0;

const char* way_out(ExitCode code) {
    switch (code) {
    case ExitCode::Success: return debug_exit_port ? "power-off" : "halt";
    case ExitCode::Panic: return "panic";
    case ExitCode::NoVirtualization: return "halt: no virtualization";
    case ExitCode::GuestFailed: return "halt: the guest failed";
    }
    return "halt";
}

}  // namespace

void set_debug_exit_port(uint16_t port) { debug_exit_port = port; }

void halt(ExitCode code) {
    x86::cli();
    drtm::cap_pcrs(way_out(code));
    if (debug_exit_port) x86::outb(debug_exit_port, uint8_t(code));
    for (;;) x86::hlt();
}

void hold() {
    x86::sti();
    for (;;) x86::hlt();
}

}  // namespace keel::power
