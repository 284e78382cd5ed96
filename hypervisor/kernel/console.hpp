// The kernel's console: formatted lines to the serial port. Every line the
// tests assert on goes through here.
#pragma once
#include "lib/format.hpp"

namespace keel::console {

void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vprint(const char* fmt, va_list ap);

}  // namespace keel::console
