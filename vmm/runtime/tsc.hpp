// The time-stamp counter, readable in ring 3: deadlines (ctrl_sm down) are
// TSC values, and the HIP gives its rate.
#pragma once
#include <stdint.h>

namespace keel::user {

inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return uint64_t(hi) << 32 | lo;
}

}  // namespace keel::user
