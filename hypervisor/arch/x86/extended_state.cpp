#include "hypervisor/arch/x86/extended_state.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "lib/assert.hpp"

namespace keel::x86::xstate {
namespace {

constexpr uint32_t LEAF1_ECX_XSAVE = 1u << 26;
constexpr uint32_t LEAF7_ECX_PKU = 1u << 3;
constexpr uint32_t PAGE_BYTES = 4096;

uint32_t cpuid_end_of(unsigned component) {
    CpuidResult r = cpuid(0xd, component);
    return r.ebx + r.eax;
}

}  // namespace

Layout probe() {
    bool has_xsave = cpuid(1).ecx & LEAF1_ECX_XSAVE;
    uint64_t supported = 0;
    if (has_xsave) {
        CpuidResult r = cpuid(0xd, 0);
        supported = uint64_t(r.edx) << 32 | r.eax;
    }
    Layout l = plan(has_xsave, supported, cpuid_end_of, PAGE_BYTES);
    // A guest with CR4.PKE uses PKRU whatever its XCR0 says: if the CPU has
    // it, it must be switched, or one guest's keys reach the next.
    bool has_pku = cpuid(0).eax >= 7 && (cpuid(7).ecx & LEAF7_ECX_PKU);
    KEEL_ASSERT(!has_pku || (l.switched & PKRU));
    return l;
}

void save(void* area, uint64_t components) {
    asm volatile("xsave64 %0"
                 : "=m"(*static_cast<uint8_t(*)[PAGE_BYTES]>(area))
                 : "a"(uint32_t(components)), "d"(uint32_t(components >> 32)));
}

void restore(const void* area, uint64_t components) {
    asm volatile("xrstor64 %0" ::"m"(*static_cast<const uint8_t(*)[PAGE_BYTES]>(area)), "a"(uint32_t(components)),
                 "d"(uint32_t(components >> 32)));
}

void fxsave(void* area) { asm volatile("fxsave64 %0" : "=m"(*static_cast<uint8_t(*)[512]>(area))); }

void fxrstor(const void* area) { asm volatile("fxrstor64 %0" ::"m"(*static_cast<const uint8_t(*)[512]>(area))); }

void set_xcr0(uint64_t value) {
    asm volatile("xsetbv" ::"c"(0), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)) : "memory");
}

uint64_t xcr0() {
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return uint64_t(hi) << 32 | lo;
}

}  // namespace keel::x86::xstate
