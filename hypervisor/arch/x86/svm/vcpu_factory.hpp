// Makes SVM vCPUs for create_ec: each in its PD's nested page table, made
// from the PD's kernel memory.
#pragma once
#include "hypervisor/arch/x86/pd_tables.hpp"
#include "hypervisor/arch/x86/svm/guest_cpu.hpp"
#include "hypervisor/kernel/vcpu.hpp"

namespace keel::x86::svm {

class VcpuFactory final : public keel::VcpuFactory {
public:
    // `shared`: each CPU's, as virt::enable() left it (shared_states()).
    explicit VcpuFactory(SharedState* shared);
    VcpuHw* create(Pd& pd, uint16_t cpu, abi::Status& status) override;

private:
    SharedState* shared_;
};

// What virt::enable() set up for the vCPUs of each CPU, by CPU index.
SharedState* shared_states();
// MSR permission maps behind PDs' MSR spaces (PdTables::set_msr_tables).
const MsrTables& msr_tables();

}  // namespace keel::x86::svm
