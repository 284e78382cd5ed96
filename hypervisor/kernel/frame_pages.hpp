// The kernel's page source: frames from the kernel's pool (the frame
// allocator), zeroed, reached through the identity map.
#pragma once
#include "hypervisor/kernel/frame_allocator.hpp"
#include "hypervisor/kernel/slab.hpp"
#include "lib/assert.hpp"

namespace keel {

class FramePages final : public PageSource {
public:
    explicit FramePages(FrameAllocator& frames) : frames_(frames) {}

    void* allocate_page() override {
        uint64_t pa;
        if (frames_.allocate(1, pa) != Status::Ok) return nullptr;
        auto* p = reinterpret_cast<uint64_t*>(pa);
        for (unsigned i = 0; i < PAGE_SIZE / 8; ++i) p[i] = 0;
        return p;
    }
    void free_page(void* page) override {
        Status s = frames_.free(reinterpret_cast<uint64_t>(page), 1);
        KEEL_ASSERT(s == Status::Ok);
    }

private:
    FrameAllocator& frames_;
};

}  // namespace keel
