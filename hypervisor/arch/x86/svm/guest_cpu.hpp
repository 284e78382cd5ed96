// A vCPU EC's hardware half under AMD SVM: its VMCB, the registers VMRUN
// does not switch (general registers, FPU/SSE state, DR0-DR3), and what its
// last exit said. Its
// guest memory is its PD's nested page table.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/paging_space.hpp"
#include "hypervisor/arch/x86/svm/state_transfer.hpp"
#include "hypervisor/kernel/kernel_memory.hpp"
#include "hypervisor/kernel/vcpu.hpp"

namespace keel::x86::svm {

class GuestCpu;

// What the vCPUs of one CPU share: the I/O intercept bitmap, where every
// port exits (the VMM sees each access; the same pages on every CPU), that
// CPU's VMSAVE area, and who last used each ASID and the extended state
// and debug registers there (a switch to another flushes, respectively
// saves and restores). vCPUs never move between CPUs.
struct SharedState {
    static constexpr unsigned ASIDS = 64;  // at most this many tagged at once; more share, with a flush on each switch
    uint64_t iopm_pa, host_state_pa;
    uint32_t asid_limit;  // ASIDs 1 .. asid_limit - 1 are the guests'
    bool next_rip;  // the CPU reports NextRIP (CPUID 8000_000Ah EDX bit 3)
    GuestCpu* asid_owner[ASIDS];
    uint32_t next_asid;
    GuestCpu* unshared_owner;
    uint64_t xsave_components;  // switched with XSAVE (extended_state.hpp); 0: FXSAVE
    uint64_t guest_xcr0;  // what a guest's XCR0 may hold
    uint64_t xcr0;  // the CPU's XCR0 now
};

class GuestCpu final : public VcpuHw {
public:
    // From `memory` (its PD's): the object, the VMCB and the FPU area;
    // nullptr if the quota ran out. `msrpm_pa`: its PD's MSR permission map.
    static GuestCpu* create(KernelMemory& memory, SharedState& shared, PagingSpace& nested, uint64_t msrpm_pa);

    VcpuExit run() override;
    void save(uint64_t mtd, abi::VcpuState& out) override;
    [[nodiscard]] abi::Status load(const abi::VcpuState& in) override;
    void destroy() override;

private:
    GuestCpu(KernelMemory& memory, SharedState& shared, PagingSpace& nested, Vmcb& vmcb, uint8_t* fpu,
             uint64_t msrpm_pa);
    void reset();
    void prepare_entry();
    void arm_window(bool on);
    void switch_unshared();
    void load_xcr0();
    void refresh_xcr0();
    [[gnu::noinline]] abi::Status load_with_xcr0(const abi::VcpuState& in);

    KernelMemory& memory_;
    SharedState& shared_;
    PagingSpace& nested_;
    Vmcb& vmcb_;  // identity mapped: its virtual address is its physical one
    uint8_t* const fpu_;  // XSAVE (or FXSAVE) area, a page, while another vCPU holds the state
    const uint64_t msrpm_pa_;
    uint64_t dr_[4] = {};  // DR0-DR3, likewise
    SoftState soft_ = {};
    ExitDetail exit_ = {};
    uint32_t asid_ = 0;
    uint64_t generation_ = ~0ull;  // of the nested table the TLB last saw
    bool window_armed_ = false;  // the VMCB asks for the interrupt window
};

}  // namespace keel::x86::svm
