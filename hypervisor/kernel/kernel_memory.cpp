#include "hypervisor/kernel/kernel_memory.hpp"

#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/pd.hpp"
#include "hypervisor/kernel/sm.hpp"

namespace keel {

KernelMemory::KernelMemory(PageSource& source)
    : pages(source), pds(source, sizeof(Pd), alignof(Pd)), ecs(source, sizeof(Ec), alignof(Ec)),
      sms(source, sizeof(Sm), alignof(Sm)), mappings(source, sizeof(ResourceMapping), alignof(ResourceMapping)) {}

}  // namespace keel
