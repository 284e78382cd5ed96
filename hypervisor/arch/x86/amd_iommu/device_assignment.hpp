// assign_dev on AMD IOMMUs: which PCI functions can be confined on their
// own, and the switch of one from blocked (the secure loader's entry) to a
// PD's DMA space.
#pragma once
#include "hypervisor/arch/x86/amd_iommu/iommu.hpp"
#include "hypervisor/kernel/device_assigner.hpp"

namespace keel::x86::amd_iommu {

class DeviceAssignment final : public DeviceAssigner {
public:
    explicit DeviceAssignment(Iommu& iommu) : iommu_(iommu) {}
    abi::Status assign(Pd& pd, uint16_t device) override;
    abi::Status read_config(Pd& pd, uint16_t device, uint16_t offset, uint32_t& value) override;

private:
    Iommu& iommu_;
};

}  // namespace keel::x86::amd_iommu
