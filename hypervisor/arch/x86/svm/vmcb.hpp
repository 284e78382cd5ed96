// The VMCB (AMD APM vol. 2, appendix B): every field the kernel touches,
// by byte offset, with typed accessors. Control area at 0x000, state save
// area at 0x400.
#pragma once
#include <stdint.h>

namespace keel::x86::svm {

enum class VmcbField : uint16_t {
    InterceptCr = 0x000,
    InterceptDr = 0x004,
    InterceptExceptions = 0x008,
    InterceptMisc1 = 0x00c,
    InterceptMisc2 = 0x010,
    IopmBase = 0x040,
    MsrpmBase = 0x048,
    TscOffset = 0x050,
    GuestAsid = 0x058,
    TlbControl = 0x05c,
    VirtualInterrupt = 0x060,
    InterruptShadow = 0x068,
    ExitCode = 0x070,
    ExitInfo1 = 0x078,
    ExitInfo2 = 0x080,
    ExitInterruptInfo = 0x088,
    NestedPagingEnable = 0x090,
    EventInject = 0x0a8,
    NestedCr3 = 0x0b0,
    CleanBits = 0x0c0,
    NextRip = 0x0c8,

    Es = 0x400,
    Cs = 0x410,
    Ss = 0x420,
    Ds = 0x430,
    Fs = 0x440,
    Gs = 0x450,
    Gdtr = 0x460,
    Ldtr = 0x470,
    Idtr = 0x480,
    Tr = 0x490,
    Cpl = 0x4cb,
    Efer = 0x4d0,
    Cr4 = 0x548,
    Cr3 = 0x550,
    Cr0 = 0x558,
    Dr7 = 0x560,
    Dr6 = 0x568,
    Rflags = 0x570,
    Rip = 0x578,
    Rsp = 0x5d8,
    Rax = 0x5f8,
    Cr2 = 0x640,
    GuestPat = 0x668,
};

namespace intercept1 {
constexpr uint32_t INTR = 1u << 0;
constexpr uint32_t NMI = 1u << 1;
// INIT is the host's: intercepted, a guest can never be reset by it, and the
// host (VM_CR.R_INIT) turns the still-pending INIT into an ignored #SX.
constexpr uint32_t INIT = 1u << 3;
constexpr uint32_t CPUID = 1u << 18;
constexpr uint32_t INVD = 1u << 22;  // would discard the host's dirty cache lines
constexpr uint32_t INVLPGA = 1u << 26;  // would flush other ASIDs' TLB entries
constexpr uint32_t HLT = 1u << 24;
constexpr uint32_t IOIO = 1u << 27;
constexpr uint32_t MSR = 1u << 28;
constexpr uint32_t SHUTDOWN = 1u << 31;
}  // namespace intercept1

namespace intercept2 {
// VMRUN must be intercepted or the CPU refuses the VMCB; the others keep the
// guest away from SVM itself.
constexpr uint32_t VMRUN = 1u << 0;
constexpr uint32_t VMMCALL = 1u << 1;
constexpr uint32_t VMLOAD = 1u << 2;
constexpr uint32_t VMSAVE = 1u << 3;
constexpr uint32_t STGI = 1u << 4;
constexpr uint32_t CLGI = 1u << 5;
constexpr uint32_t SKINIT = 1u << 6;
}  // namespace intercept2

namespace intercept_exception {
// #DB and #AC can be made to recur forever during their own delivery,
// hanging the host (CVE-2015-8104, CVE-2015-5307); #MC belongs to the host.
constexpr uint32_t DEBUG = 1u << 1;
constexpr uint32_t ALIGNMENT_CHECK = 1u << 17;
constexpr uint32_t MACHINE_CHECK = 1u << 18;
}  // namespace intercept_exception

constexpr uint64_t V_INTR_MASKING = 1ull << 24;  // physical interrupts follow host RFLAGS.IF
constexpr uint32_t TLB_FLUSH_ALL = 1;

// Segment register layout inside the state save area.
struct [[gnu::packed]] VmcbSegment {
    uint16_t selector;
    uint16_t attributes;  // access byte in bits 0-7, flags (AVL, L, D/B, G) in bits 8-11
    uint32_t limit;
    uint64_t base;
};

class Vmcb {
public:
    template <typename T> T read(VmcbField f) const {
        return *reinterpret_cast<const volatile T*>(bytes_ + unsigned(f));
    }
    template <typename T> void write(VmcbField f, T v) { *reinterpret_cast<volatile T*>(bytes_ + unsigned(f)) = v; }
    void write_segment(VmcbField f, VmcbSegment s) {
        unsigned o = unsigned(f);
        write(VmcbField(o), s.selector);
        write(VmcbField(o + 2), s.attributes);
        write(VmcbField(o + 4), s.limit);
        write(VmcbField(o + 8), s.base);
    }

private:
    alignas(4096) uint8_t bytes_[4096];
};
static_assert(sizeof(Vmcb) == 4096);

}  // namespace keel::x86::svm
