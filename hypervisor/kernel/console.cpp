#include "console.hpp"

#include "../arch/x86/serial.hpp"

namespace keel::console {
namespace {
void serial_sink(char c, void*) { x86::serial::put(c); }
}  // namespace

void vprint(const char* fmt, va_list ap) { vformat(serial_sink, nullptr, fmt, ap); }

void print(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

}  // namespace keel::console
