#include "vmm/realmode/cpuid_view.hpp"

namespace keel::vmm {
namespace {

constexpr uint32_t bit(unsigned n) { return uint32_t(1) << n; }

// Leaf 1. The guest runs under a hypervisor; it gets no nested VMX, no
// XSAVE state (XCR0 stays x87: the kernel refuses more) and so none of the
// AVX family, and no local APIC (none is emulated yet): no x2APIC, no TSC
// deadline timer.
constexpr uint32_t LEAF1_ECX_SET = bit(31);
constexpr uint32_t LEAF1_ECX_HIDDEN = bit(5) | bit(12) | bit(21) | bit(24) | bit(26) | bit(27) | bit(28) | bit(29);
constexpr uint32_t LEAF1_EDX_HIDDEN = bit(9);
// Leaf 7.0: AVX2 and AVX-512 need XSAVE state.
constexpr uint32_t LEAF7_EBX_HIDDEN =
    bit(5) | bit(16) | bit(17) | bit(21) | bit(26) | bit(27) | bit(28) | bit(30) | bit(31);
constexpr uint32_t LEAF7_ECX_HIDDEN = bit(1) | bit(6) | bit(11) | bit(12) | bit(14);
constexpr uint32_t LEAF7_EDX_HIDDEN = bit(2) | bit(3) | bit(8) | bit(23);
// Leaf 8000_0001h: no nested SVM; leaf 8000_000Ah describes it.
constexpr uint32_t EXT1_ECX_HIDDEN = bit(2);

}  // namespace

CpuidRegs guest_cpuid(uint32_t leaf, uint32_t subleaf, CpuidRegs r) {
    switch (leaf) {
    case 1:
        r.ecx = (r.ecx & ~LEAF1_ECX_HIDDEN) | LEAF1_ECX_SET;
        r.edx &= ~LEAF1_EDX_HIDDEN;
        break;
    case 7:
        if (subleaf == 0) {
            r.ebx &= ~LEAF7_EBX_HIDDEN;
            r.ecx &= ~LEAF7_ECX_HIDDEN;
            r.edx &= ~LEAF7_EDX_HIDDEN;
        } else {
            r = {};
        }
        break;
    case 0xd:  // XSAVE's state components: none
    case 0x8000000a:  // SVM's features: no SVM
        r = {};
        break;
    case 0x80000001: r.ecx &= ~EXT1_ECX_HIDDEN; break;
    default:
        // Another hypervisor's leaves (the host's own, under nesting) are
        // not this one's.
        if (leaf >= 0x40000000 && leaf <= 0x400000ff) r = {};
        break;
    }
    return r;
}

}  // namespace keel::vmm
