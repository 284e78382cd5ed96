// The FPU, SSE, AVX and PKRU state guests own (extended processor state,
// XSAVE's components). VMRUN and VMLAUNCH switch none of it: the kernel
// saves the last guest's and restores the next one's when another vCPU
// takes a CPU. Threads never get any (CR0.EM, no OSFXSR or OSXSAVE while
// in ring 3), so nothing of a guest's registers reaches a thread.
#pragma once
#include <stdint.h>

#include "lib/xcr0.hpp"

namespace keel::x86::xstate {

using namespace keel::xcr0;  // the component bits

// What the kernel will switch for guests if the CPU has it. PKRU is in
// even though a guest need not enable it in XCR0: with CR4.PKE alone a
// guest reads and writes PKRU (RDPKRU/WRPKRU), so it must not pass from
// one guest to the next.
inline constexpr uint64_t KNOWN = X87 | SSE | AVX | AVX512 | PKRU;

// The legacy FXSAVE image and XSAVE's header: the start of every area.
inline constexpr uint32_t LEGACY_AND_HEADER_BYTES = 512 + 64;

// The components switched at a guest change (0: no XSAVE; FXSAVE moves
// x87 and SSE) and what a guest's XCR0 may hold. Components whose
// standard-format area would not fit `area_limit` bytes are left out, with
// what depends on them (AVX-512 without AVX is no valid XCR0).
struct Layout {
    uint64_t switched;
    uint64_t guest_xcr0;
    uint32_t area_bytes;
};
// `supported`: CPUID 0Dh.0 EDX:EAX; `end_of(i)`: where component i ends in
// the standard format (CPUID 0Dh.i EBX + EAX), for i >= 2. Pure: tested on
// the host.
Layout plan(bool has_xsave, uint64_t supported, uint32_t (*end_of)(unsigned), uint32_t area_limit);

// This CPU's layout, from CPUID (the same on every CPU).
Layout probe();

// The instructions, on this CPU. Each needs the FPU enabled (CR0.EM and TS
// clear) and CR4.OSFXSR, and the XSAVE ones CR4.OSXSAVE; `area` is 64-byte
// aligned.
void save(void* area, uint64_t components);
void restore(const void* area, uint64_t components);
void fxsave(void* area);
void fxrstor(const void* area);
void set_xcr0(uint64_t value);
uint64_t xcr0();

}  // namespace keel::x86::xstate
