#include "slb_console.hpp"

#include "../../hypervisor/arch/x86/serial.hpp"

namespace keel::slb {
namespace {
void serial_sink(char c, void*) { x86::serial::put(c); }
}  // namespace

void print(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vformat(serial_sink, nullptr, fmt, ap);
    va_end(ap);
}

[[noreturn]] void fatal(const char* what, Status s) {
    // The hypervisor is not entered unmeasured: PCR 17 already holds the
    // SLB, and without the rest of the chain a verifier rejects this boot.
    print("keel-slb: FATAL: %s: %s; halting\n", what, status_name(s));
    for (;;) asm volatile("cli; hlt");
}

}  // namespace keel::slb
