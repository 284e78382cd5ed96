// The real-mode VMM's exit handling: one handler EC serves every exit
// portal (the portal's id is the event), answering CPUID, port I/O, MSRs and
// nested page faults, and ending the VM on anything else.
#pragma once
#include <stdint.h>

#include "abi/event.hpp"
#include "abi/utcb.hpp"
#include "vmm/common/cpuid_view.hpp"
#include "vmm/common/guest_console.hpp"
#include "vmm/launch/vmm_start.hpp"

namespace keel::vmm {

struct Vm {
    const VmmStart* start;
    abi::Utcb* utcb;  // the exit handler's
    GuestConsole console;
    uint64_t exits[abi::VCPU_EVENT_COUNT];
    uint64_t pages_added;
    GuestCpuState cpu;  // what its CPUID depends on; XCR0 as this VMM last let it set it
    abi::VcpuEvent last;  // the exit that ended it
    uint64_t last_rip, last_qual;
    const char* why;  // what ended it, in words
    bool timed_out;  // the VMM recalled it: its time ran out
    bool handler_prints;  // the console goes through the exit handler's UTCB (else the VMM thread's)
};

Vm& the_vm();
// Maps the image's pages into the guest; false (and says why) if it cannot.
bool init_vm(Vm& vm, const VmmStart& start, abi::Utcb* handler_utcb);
// Prints the exit counts and the verdict; true if the guest passed.
bool report_vm(Vm& vm, const VmmStart& start);

// Every exit portal's entry: RDI = the portal's id, the event.
extern "C" [[noreturn]] void exit_entry(uint64_t event);

// From main.cpp: the console's way to the root task, and the end of a VM.
void to_root(abi::Utcb* utcb, const char* text, size_t bytes);
[[noreturn]] void end_vm();

}  // namespace keel::vmm
