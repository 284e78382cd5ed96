// The platform emulator's port (COM2): where SKINIT does not exist (QEMU),
// the pre-launch stage asks the emulator to perform the TPM half of SKINIT.
// Protocol: ASCII lines, see tools/platform/README.md.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/string.hpp"

namespace keel::prelaunch {

// True if something answers HELLO with READY within a short wait.
bool platform_present();
// Asks for an emulated SKINIT of the SLB at `slb`; `reply` receives the
// emulator's answer line. True on LAUNCHED.
bool platform_skinit(uint64_t slb, char* reply, size_t cap);

}  // namespace keel::prelaunch
