// Makes SVM vCPUs for create_ec: each in its PD's nested page table, its
// objects on a slab of their own, its pages from the kernel's pool.
#pragma once
#include "hypervisor/arch/x86/svm/guest_cpu.hpp"
#include "hypervisor/kernel/vcpu.hpp"

namespace keel::x86::svm {

class VcpuFactory final : public keel::VcpuFactory {
public:
    // `shared` as virt::enable() left it (shared_state()).
    VcpuFactory(PageSource& pages, const SharedState& shared);
    VcpuHw* create(Pd& pd, abi::Status& status) override;

private:
    PageSource& pages_;
    const SharedState& shared_;
    SlabCache slab_;
};

// What virt::enable() set up for every vCPU on this CPU.
const SharedState& shared_state();

}  // namespace keel::x86::svm
