// Random hypercalls from the root task and up to three PDs it makes: no
// input may crash the kernel's hypercall layer, break an invariant (the
// assertions abort), map a page twice or unmap a hole (the recording page
// tables abort), or leak: when the root goes at the end, every object,
// mapping and page table must be gone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "hypervisor/kernel/hypercall.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/unit/fake_pd_hardware.hpp"
#include "tests/unit/heap_pages.hpp"

using namespace keel;

namespace {

struct Input : fuzz::Input {
    // Mostly small values (selectors, counts, pages near the root's memory),
    // sometimes a capability range descriptor, sometimes anything at all.
    uint64_t arg() {
        uint8_t tag = u8();
        if (tag < 160) return tag;
        if (tag < 200) return (tag & 1 ? Pd::HOST_FIRST : 0) + 0x1000 + u8();  // host or guest pages of the root's
        if (tag < 240) {
            auto kind = abi::SpaceKind(u8() % abi::SPACE_KIND_COUNT);
            uint8_t b = u8();
            uint64_t base = kind == abi::SpaceKind::Object       ? b
                            : kind == abi::SpaceKind::Pio        ? 0x2f0 + (b & 31)
                            : kind == abi::SpaceKind::Msr        ? 0x170 + (b & 31)
                            : kind == abi::SpaceKind::HostMemory ? Pd::HOST_FIRST + 0x1000 + b
                                                                 : 0x1000 + b;
            unsigned order = u8() % 6;
            return abi::Crd(kind, base & ~((uint64_t(1) << order) - 1), order, u8()).raw;
        }
        return u64();
    }
};

Pd* actor(Pd& root, uint8_t which) {
    if (which % 4 == 0) return &root;
    Capability* c = root.objects.lookup(50 + which % 4 - 1, abi::ObjectType::Pd, 0);
    return c ? static_cast<Pd*>(c->object) : &root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    test::HeapPages pages(64);  // small, so running out of kernel memory is exercised too
    test::FakePdHardware hardware;
    {
        KernelMemory memory(pages, 64);  // the kernel's pool
        abi::Status s;
        Pd* root = Pd::create(memory, hardware, s, 60);
        if (!root) std::abort();
        mdb::insert_root(*root->objects.slot(abi::SEL_OWN_PD, true), *root, abi::perm::ALL);
        root->hold();  // the kernel's: the root task cannot destroy itself
        if (root->host.grant_root(Pd::HOST_FIRST + 0x1000, 0x1000, 0x100, abi::perm::ALL) != abi::Status::Success ||
            root->pio.grant_root(0x2f8, 0x2f8, 8, abi::perm::ALL) != abi::Status::Success ||
            root->msr.grant_root(0x174, 0x174, 4, abi::perm::ALL) != abi::Status::Success)
            std::abort();
        int power_offs = 0;
        HypercallContext k{hardware,
                           root,
                           [](void*) { return true; },
                           [](void* c, bool) { ++*static_cast<int*>(c); },
                           [](void*, const char*, size_t) {},
                           &power_offs};
        Input in{{data, size}};
        for (int calls = 0; in.size && calls < 256; ++calls) {
            Pd* caller = actor(*root, in.u8());
            abi::Args a;
            uint8_t number = in.u8();
            a.p0 = uint64_t(number) | uint64_t(in.u8()) << 12;
            if (in.u8() & 1) a.p0 = in.u64();
            a.p1 = in.arg(), a.p2 = in.arg(), a.p3 = in.arg(), a.p4 = in.arg();
            abi::Status r = hypercall(k, *caller, a);
            if (uint8_t(r) >= abi::STATUS_COUNT) std::abort();
        }
        if (Capability* own = root->objects.slot(abi::SEL_OWN_PD, false); own && !own->empty())
            mdb::revoke(*own, false);
        root->release();
        // Something outlived the root: a leak, or an object nobody can revoke;
        // or a quota that never came back (the pool keeps an empty slab for
        // PDs and one for their memory objects).
        if (memory.objects_in_use() || memory.used() > 2) std::abort();
    }
    if (!hardware.live.empty()) std::abort();
    return 0;
}
