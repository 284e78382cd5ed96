// assign_dev's back end: the IOMMU driver of this machine, which makes a
// PCI device's DMA go through a PD's guest memory space. The hypercall
// layer checks who asks (the root task) and for what; this decides which
// devices may be assigned at all and programs the hardware.
#pragma once
#include <stdint.h>

#include "abi/status.hpp"

namespace keel {

class Pd;

class DeviceAssigner {
public:
    // `device`: the PCI requester ID (bus << 8 | device << 3 | function).
    // BadDevice: no such function, or one that cannot be told apart from
    // others (a bridge, or behind a conventional PCI bridge); Refused: an
    // IOMMU; OutOfMemory: the PD's quota cannot hold the DMA tables.
    virtual abi::Status assign(Pd& pd, uint16_t device) = 0;
    // The configuration dword at `offset` of `device`, if its DMA goes
    // through pd's guest memory space (BadDevice otherwise: a PD reads the
    // configuration of its own devices only).
    virtual abi::Status read_config(Pd& pd, uint16_t device, uint16_t offset, uint32_t& value) = 0;

protected:
    ~DeviceAssigner() = default;
};

}  // namespace keel
