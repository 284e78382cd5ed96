// Ending the machine's run. On hardware the kernel halts; under QEMU with
// an isa-debug-exit device named on the command line it powers the emulator
// off with a status that tells tests how the run ended.
#pragma once
#include <stdint.h>

namespace keel::power {

// QEMU's exit status is (code << 1) | 1.
enum class ExitCode : uint8_t {
    Success = 0x10,  // status 33
    Panic = 0x11,  // status 35: exception or kernel failure
    NoVirtualization = 0x12,  // status 37: CPU cannot host guests
    GuestFailed = 0x13,  // status 39: the guest did not finish as expected
};

void set_debug_exit_port(uint16_t port);

// Caps the DRTM PCRs (drtm_cap.hpp), then powers off through the debug-exit
// port if one is configured, else halts with interrupts off, forever.
[[noreturn]] void halt(ExitCode code);

// Stops here with interrupts on so that an outside observer (the QEMU
// monitor) can inspect the live machine; never returns.
[[noreturn]] void hold();

}  // namespace keel::power
