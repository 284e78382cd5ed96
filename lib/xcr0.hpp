// XCR0, the register that enables XSAVE's state components, and the rule
// for what XSETBV accepts. The kernel applies it before it loads a VMM's
// value (the CPU would #GP in the host); a VMM applies it to its guest's
// XSETBV (the guest gets the #GP).
#pragma once
#include <stdint.h>

namespace keel::xcr0 {

inline constexpr uint64_t X87 = 1 << 0, SSE = 1 << 1, AVX = 1 << 2;
inline constexpr uint64_t OPMASK = 1 << 5, ZMM_HI256 = 1 << 6, HI16_ZMM = 1 << 7;
inline constexpr uint64_t AVX512 = OPMASK | ZMM_HI256 | HI16_ZMM;
inline constexpr uint64_t PKRU = 1 << 9;

// Whether XSETBV takes `value` where `allowed` may be enabled (Intel SDM
// vol. 2, XSETBV; AMD APM vol. 3): x87 always on, AVX only with SSE,
// AVX-512's three components together and only with AVX, nothing else.
constexpr bool valid(uint64_t value, uint64_t allowed) {
    if (value & ~allowed) return false;
    if (!(value & X87)) return false;
    if ((value & AVX) && !(value & SSE)) return false;
    uint64_t avx512 = value & AVX512;
    return avx512 == 0 || (avx512 == AVX512 && (value & AVX));
}

}  // namespace keel::xcr0
