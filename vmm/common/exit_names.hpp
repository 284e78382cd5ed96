// The vCPU events' names, as VMMs print them in their reports.
#pragma once
#include "abi/event.hpp"

namespace keel::vmm {

inline const char* event_name(abi::VcpuEvent e) {
    static constexpr const char* NAMES[abi::VCPU_EVENT_COUNT] = {"STARTUP", "RECALL", "CPUID",     "HLT",      "IOIO",
                                                                 "MSR",     "NPF",    "EXCEPTION", "SHUTDOWN", "INIT",
                                                                 "XSETBV",  "VMCALL", "INVALID",   "OTHER"};
    return uint8_t(e) < abi::VCPU_EVENT_COUNT ? NAMES[uint8_t(e)] : "?";
}

}  // namespace keel::vmm
