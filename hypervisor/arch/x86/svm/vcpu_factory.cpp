#include "hypervisor/arch/x86/svm/vcpu_factory.hpp"

#include "hypervisor/arch/x86/pd_tables.hpp"

namespace keel::x86::svm {

VcpuFactory::VcpuFactory(SharedState* shared) : shared_(shared) {}

VcpuHw* VcpuFactory::create(Pd& pd, uint16_t on, abi::Status& status) {
    GuestCpu* cpu = GuestCpu::create(pd.memory, shared_[on], PdTables::guest_table(pd));
    status = cpu ? abi::Status::Success : abi::Status::OutOfMemory;
    return cpu;
}

}  // namespace keel::x86::svm
