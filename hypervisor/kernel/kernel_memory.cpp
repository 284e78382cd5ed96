#include "hypervisor/kernel/kernel_memory.hpp"

#include "hypervisor/kernel/ec.hpp"
#include "hypervisor/kernel/pd.hpp"
#include "hypervisor/kernel/pt.hpp"
#include "hypervisor/kernel/sc.hpp"
#include "hypervisor/kernel/sm.hpp"

namespace keel {

KernelMemory::KernelMemory(PageSource& source)
    : pages(source), pds(source, sizeof(Pd), alignof(Pd)), ecs(source, sizeof(Ec), alignof(Ec)),
      scs(source, sizeof(Sc), alignof(Sc)), pts(source, sizeof(Pt), alignof(Pt)), sms(source, sizeof(Sm), alignof(Sm)),
      mappings(source, sizeof(ResourceMapping), alignof(ResourceMapping)) {}

}  // namespace keel
