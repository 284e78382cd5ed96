// Where kernel objects come from: one slab cache per object type, over one
// page source (the frame allocator; the heap in host tests). Created once.
#pragma once
#include "hypervisor/kernel/resource_space.hpp"
#include "hypervisor/kernel/slab.hpp"

namespace keel {

class Ec;
class Pd;
class Pt;
class Sc;
class Sm;

struct KernelMemory {
    explicit KernelMemory(PageSource& source);

    PageSource& pages;
    SlabCache pds, ecs, scs, pts, sms, mappings;
};

}  // namespace keel
