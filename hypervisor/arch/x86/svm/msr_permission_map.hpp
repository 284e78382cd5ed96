// A PD's MSR space as SVM's MSR permission map (AMD APM vol. 2, 15.11):
// two bits per MSR, read then write, for MSRs 0-1FFFh, C000_0000h-
// C000_1FFFh and C001_0000h-C001_1FFFh; a set bit makes the access exit.
// Every vCPU of the PD runs with its PD's map, so the MSRs a VMM holds are
// the ones its guests reach without an exit. The map starts with every bit
// set; only MSRs that VMLOAD and VMSAVE switch with the guest's VMCB (what
// a guest writes there never stays in the host) may ever be cleared, and
// the root task receives only those (PASS_THROUGH).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/kernel/resource_space.hpp"

namespace keel::x86::svm {

struct MsrRange {
    uint32_t first, end;  // end exclusive
};

// SYSENTER_CS/ESP/EIP; STAR, LSTAR, CSTAR, SFMASK; FS.base, GS.base,
// KernelGSbase: the MSRs VMLOAD/VMSAVE move (EFER, PAT, the TSC, the
// debug controls and everything else stays intercepted).
inline constexpr MsrRange PASS_THROUGH[] = {{0x174, 0x177}, {0xc0000081, 0xc0000085}, {0xc0000100, 0xc0000103}};

bool passable(uint64_t msr);

class MsrPermissionMap final : public ResourceSpace::Hardware {
public:
    static constexpr size_t PAGES = 2;

    // `map`: PAGES consecutive pages, all set here. `flush` returns when no
    // CPU runs a guest with permissions taken away (the TLB shootdown,
    // which sends every CPU out of its guest).
    MsrPermissionMap(uint8_t* map, void (*flush)());
    uint8_t* pages() const { return map_; }

    // `msr`..`msr + count` must be passable (a kernel bug otherwise).
    bool map(uint64_t msr, uint64_t frame, uint64_t count, uint8_t perms) override;
    void protect(uint64_t msr, uint64_t count, uint8_t perms) override;
    void unmap(uint64_t msr, uint64_t count) override;
    bool mapped(uint64_t msr) const override;

    // Whether an access to `msr` exits (for tests and checks).
    bool intercepts_read(uint64_t msr) const;
    bool intercepts_write(uint64_t msr) const;

private:
    void set(uint64_t msr, uint8_t perms);  // clears the bits of what `perms` allows, sets the others

    uint8_t* const map_;
    void (*const flush_)();
};

}  // namespace keel::x86::svm
