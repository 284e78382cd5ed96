#include "vmm/common/cpuid_view.hpp"

#include "lib/xcr0.hpp"

namespace keel::vmm {
namespace {

constexpr uint32_t bit(unsigned n) { return uint32_t(1) << n; }

// What a guest's XCR0 may hold. AVX-512 is not offered: its state is 2 KiB
// more per vCPU, and the kernel may not switch it on every CPU.
constexpr uint64_t XCR0_POLICY = xcr0::X87 | xcr0::SSE | xcr0::AVX | xcr0::PKRU;

constexpr uint64_t CR4_OSXSAVE = 1ull << 18, CR4_PKE = 1ull << 22;
constexpr uint32_t LEAF1_ECX_XSAVE = bit(26), LEAF1_ECX_OSXSAVE = bit(27);
constexpr uint32_t LEAF7_ECX_PKU = bit(3), LEAF7_ECX_OSPKE = bit(4);

// Leaf 1. The guest runs under a hypervisor; it gets no nested VMX and no
// x2APIC or TSC deadline timer (a VMM's local APIC is an xAPIC); the APIC
// itself only if its VMM emulates one.
constexpr uint32_t LEAF1_ECX_SET = bit(31);
constexpr uint32_t LEAF1_ECX_HIDDEN = bit(5) | bit(21) | bit(24);
constexpr uint32_t LEAF1_EDX_APIC = bit(9);
constexpr uint32_t LEAF1_EBX_APIC_ID_SHIFT = 24;
// What needs AVX state: FMA, AVX, F16C (leaf 1); AVX2, VAES, VPCLMULQDQ
// (leaf 7); XOP, FMA4 (leaf 8000_0001h).
constexpr uint32_t LEAF1_ECX_AVX = bit(12) | bit(28) | bit(29);
constexpr uint32_t LEAF7_EBX_AVX = bit(5);
constexpr uint32_t LEAF7_ECX_AVX = bit(9) | bit(10);
constexpr uint32_t EXT1_ECX_AVX = bit(11) | bit(16);
constexpr uint32_t LEAF7_ECX_RDPID = bit(22);
// Leaf 7.0: the AVX-512 family.
constexpr uint32_t LEAF7_EBX_HIDDEN = bit(16) | bit(17) | bit(21) | bit(26) | bit(27) | bit(28) | bit(30) | bit(31);
constexpr uint32_t LEAF7_ECX_HIDDEN = bit(1) | bit(6) | bit(11) | bit(12) | bit(14) | LEAF7_ECX_RDPID;
constexpr uint32_t LEAF7_EDX_HIDDEN = bit(2) | bit(3) | bit(8) | bit(23);
// Leaf 8000_0001h: no nested SVM; leaf 8000_000Ah describes it. No RDTSCP
// (nor RDPID, leaf 7): no VMM or kernel switches IA32_TSC_AUX, which they
// read, so a guest could read the host's or another guest's value.
// ExtApicSpace (ECX bit 3): the VMMs' local APIC has no registers past 0x3f0.
constexpr uint32_t EXT1_ECX_HIDDEN = bit(2) | bit(3);
constexpr uint32_t EXT1_EDX_HIDDEN = bit(27);
constexpr uint32_t EXT1_EDX_APIC = bit(9);  // AMD's copy of leaf 1's APIC bit
// Leaf 0Dh.1: XSAVEOPT, XSAVEC, XGETBV with ECX = 1. Not XSAVES (it needs
// IA32_XSS, which is not emulated) nor XFD.
constexpr uint32_t XSAVE_SUB1_EAX_KEPT = bit(0) | bit(1) | bit(2);

// Bytes of the standard-format XSAVE area that holds `components`.
uint32_t xsave_bytes(uint64_t components, HostCpuid host) {
    uint32_t bytes = 512 + 64;
    for (unsigned i = 2; i < 64; ++i)
        if (components >> i & 1) {
            CpuidRegs c = host(0xd, i);
            if (c.ebx + c.eax > bytes) bytes = c.ebx + c.eax;
        }
    return bytes;
}

// Out of line: the other leaves, CPUID's common exits, then need no call.
[[gnu::noinline]] CpuidRegs xsave_leaf(uint32_t subleaf, const GuestCpuState& guest, HostCpuid host) {
    const uint64_t allowed = guest.xcr0_allowed;
    if (!allowed) return {};
    const uint64_t enabled = guest.xcr0 & allowed;
    if (subleaf == 0)
        return {uint32_t(allowed), xsave_bytes(enabled, host), xsave_bytes(allowed, host), uint32_t(allowed >> 32)};
    if (subleaf == 1) return {host(0xd, 1).eax & XSAVE_SUB1_EAX_KEPT, xsave_bytes(enabled, host), 0, 0};
    if (subleaf < 64 && (allowed >> subleaf & 1)) {
        CpuidRegs c = host(0xd, subleaf);
        return {c.eax, c.ebx, c.ecx & bit(1), 0};  // size, offset, 64-byte alignment in compacted form
    }
    return {};
}

}  // namespace

uint64_t guest_xcr0_allowed(HostCpuid host) {
    if (host(0, 0).eax < 0xd || !(host(1, 0).ecx & LEAF1_ECX_XSAVE)) return 0;
    CpuidRegs d = host(0xd, 0);
    uint64_t allowed = (uint64_t(d.edx) << 32 | d.eax) & XCR0_POLICY;
    // The subsets XSETBV itself would refuse are never offered.
    if (!(allowed & xcr0::X87)) return 0;
    if (!(allowed & xcr0::SSE)) allowed &= ~xcr0::AVX;
    return allowed;
}

void guest_cpuid(uint32_t leaf, uint32_t subleaf, CpuidRegs& r, const GuestCpuState& guest, HostCpuid host) {
    switch (leaf) {
    case 1: {
        const bool avx = guest.xcr0_allowed & xcr0::AVX;
        r.ecx = (r.ecx & ~(LEAF1_ECX_HIDDEN | LEAF1_ECX_XSAVE | LEAF1_ECX_OSXSAVE | (avx ? 0 : LEAF1_ECX_AVX))) |
                LEAF1_ECX_SET;
        if (guest.xcr0_allowed) r.ecx |= LEAF1_ECX_XSAVE | ((guest.cr4 & CR4_OSXSAVE) ? LEAF1_ECX_OSXSAVE : 0);
        r.edx &= ~LEAF1_EDX_APIC;
        r.ebx &= ~(0xffu << LEAF1_EBX_APIC_ID_SHIFT);
        if (guest.local_apic) {
            r.edx |= LEAF1_EDX_APIC;
            r.ebx |= uint32_t(guest.apic_id) << LEAF1_EBX_APIC_ID_SHIFT;
        }
        break;
    }
    case 0xb:
    case 0x1f:
    case 0x8000001e:
    case 0x80000026:
        // The host's topology and x2APIC IDs: not the guest's.
        r = {};
        break;
    case 7:
        if (subleaf == 0) {
            const bool avx = guest.xcr0_allowed & xcr0::AVX;
            r.ebx &= ~(LEAF7_EBX_HIDDEN | (avx ? 0 : LEAF7_EBX_AVX));
            r.ecx &= ~(LEAF7_ECX_HIDDEN | LEAF7_ECX_OSPKE | (avx ? 0 : LEAF7_ECX_AVX));
            if ((r.ecx & LEAF7_ECX_PKU) && (guest.cr4 & CR4_PKE)) r.ecx |= LEAF7_ECX_OSPKE;
            r.edx &= ~LEAF7_EDX_HIDDEN;
        } else {
            r = {};
        }
        break;
    case 0xd: r = xsave_leaf(subleaf, guest, host); break;
    case 0x8000000a: r = {}; break;  // SVM's features: no SVM
    case 0x80000001:
        r.ecx &= ~(EXT1_ECX_HIDDEN | ((guest.xcr0_allowed & xcr0::AVX) ? 0 : EXT1_ECX_AVX));
        r.edx &= ~(EXT1_EDX_HIDDEN | (guest.local_apic ? 0 : EXT1_EDX_APIC));
        break;
    default:
        // Another hypervisor's leaves (the host's own, under nesting) are
        // not this one's.
        if (leaf >= 0x40000000 && leaf <= 0x400000ff) r = {};
        break;
    }
}

}  // namespace keel::vmm
