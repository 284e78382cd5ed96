// xstate::plan: which components the kernel switches for guests. Pure, so
// that it is tested on the host; extended_state.cpp feeds it from CPUID.
#include "hypervisor/arch/x86/extended_state.hpp"

namespace keel::x86::xstate {
namespace {

uint32_t area_for(uint64_t components, uint32_t (*end_of)(unsigned)) {
    uint32_t bytes = LEGACY_AND_HEADER_BYTES;
    for (unsigned i = 2; i < 64; ++i)
        if (components >> i & 1) {
            uint32_t end = end_of(i);
            if (end > bytes) bytes = end;
        }
    return bytes;
}

}  // namespace

Layout plan(bool has_xsave, uint64_t supported, uint32_t (*end_of)(unsigned), uint32_t area_limit) {
    if (!has_xsave || !(supported & X87)) return {0, X87, 512};
    uint64_t c = supported & KNOWN;
    if ((c & AVX512) != AVX512 || !(c & AVX)) c &= ~AVX512;
    if (!(c & SSE)) c &= ~(AVX | AVX512);
    // Too big for the area: give up the largest first. (No CPU puts them
    // beyond a page: the standard format ends PKRU at 2,696 bytes.)
    const uint64_t drop_order[] = {AVX512, AVX | AVX512, PKRU};
    for (uint64_t drop : drop_order) {
        if (area_for(c, end_of) <= area_limit) break;
        c &= ~drop;
    }
    uint32_t bytes = area_for(c, end_of);
    if (bytes > area_limit) return {0, X87, 512};
    return {c, c, bytes};
}

}  // namespace keel::x86::xstate
