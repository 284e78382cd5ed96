// Options on the hypervisor's command line (GRUB's multiboot2 line), e.g.
//   multiboot2 /boot/keel.elf debug-exit=0xf4 selftest=ud
// Unknown words and bad values are reported, never silently taken.
#pragma once
#include <stdint.h>

#include "lib/string.hpp"

namespace keel {

enum class SelfTest : uint8_t {
    None,
    InvalidOpcode,  // selftest=ud: execute UD2, expect a register dump
    PageFault,  // selftest=pf: touch an unmapped page, expect a register dump
    StackOverflow,  // selftest=stack: recurse into the guard page, expect a double fault dump
    NmiAfterGuest,  // selftest=nmi: after the guest, send this CPU an NMI (taken on its IST stack)
    Interrupts,  // selftest=interrupts: an interrupt on every vector 32-254, then an NMI storm; all survived
    Init,  // selftest=init: send this CPU an INIT (VM_CR.R_INIT turns it into an ignored #SX)
    DmaWait,  // selftest=dma-wait: wait 500 ms first, so a device's delayed DMA lands before anything is used
};

struct BootOptions {
    uint16_t debug_exit_port = 0;  // 0: none (real hardware); QEMU: isa-debug-exit's iobase
    bool hold = false;  // stay up after the run for inspection instead of powering off
    bool dump_event_log = false;  // print the DRTM event log in hex on the console (tests, demo)
    bool single_cpu = false;  // nosmp: leave the other CPUs in INIT (Linux's word for it)
    SelfTest selftest = SelfTest::None;
};

// Called once per word that could not be used, with a reason.
using OptionWarning = void (*)(StringView word, const char* why, void* ctx);

BootOptions parse_boot_options(StringView cmdline, OptionWarning warn, void* ctx);

}  // namespace keel
