#include "vmm/common/vcpu_setup.hpp"

#include "abi/hypercall.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::vmm {

bool succeeded(const char* what, abi::Status s) {
    if (s != abi::Status::Success) user::console::print("vmm: %s failed: %s\n", what, abi::status_name(s));
    return s == abi::Status::Success;
}

bool make_vcpu(const VcpuSetup& v) {
    namespace enc = abi::encode;
    if (!succeeded("creating the exit handler",
                   user::hypercall(enc::create_ec(v.handler, abi::SEL_OWN_PD, abi::EcFlag::Local, v.cpu, v.handler_utcb,
                                                  v.handler_stack_top, 0))))
        return false;
    for (uint8_t e = 0; e < abi::VCPU_EVENT_COUNT; ++e) {
        abi::Selector pt = v.events + e;
        if (!succeeded("creating an exit portal",
                       user::hypercall(enc::create_pt(pt, abi::SEL_OWN_PD, v.handler, v.portal_mtd(abi::VcpuEvent(e)),
                                                      reinterpret_cast<uint64_t>(v.entry)))) ||
            !succeeded("naming an exit portal", user::hypercall(enc::pt_set_id(pt, v.portal_id_base | e))))
            return false;
    }
    return succeeded("creating the vCPU", user::hypercall(enc::create_ec(v.vcpu, abi::SEL_OWN_PD, abi::EcFlag::Vcpu,
                                                                         v.cpu, 0, 0, v.events))) &&
           succeeded("giving the vCPU time",
                     user::hypercall(enc::create_sc(v.vcpu_sc, abi::SEL_OWN_PD, v.vcpu, v.priority, v.quantum_us)));
}

}  // namespace keel::vmm
