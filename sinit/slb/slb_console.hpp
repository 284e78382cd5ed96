// The SLB's console lines (COM1), and its way of giving up: after SKINIT
// there is nothing to return to, so a fatal error halts with the reason.
#pragma once
#include "lib/format.hpp"
#include "lib/status.hpp"

namespace keel::slb {

void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void fatal(const char* what, Status s);

}  // namespace keel::slb
