// Invariants. A broken one is a kernel bug, never bad input: in the kernel
// it panics (prints where, caps the DRTM PCRs, stops); in host builds (unit
// tests, fuzz targets) it aborts, so the test that broke it fails loudly.
// Bad input from user level is a Status, never an assertion.
#pragma once

namespace keel {

[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);

}  // namespace keel

#define KEEL_ASSERT(condition)                                                                                         \
    ((condition) ? static_cast<void>(0) : ::keel::assertion_failed(#condition, __FILE__, __LINE__))
