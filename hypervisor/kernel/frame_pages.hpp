// The kernel's page source: frames from the kernel's pool (the frame
// allocator), zeroed, reached through the identity map. A page given back
// goes on a list of its own (linked through the pages) rather than back
// into the frame allocator: that keeps free memory as a few hundred ranges,
// and pages freed in the order a PD's objects go (any order its owner
// chooses) would split them beyond that, leaving the kernel nowhere to put
// a freed page.
#pragma once
#include "hypervisor/kernel/frame_allocator.hpp"
#include "hypervisor/kernel/slab.hpp"

namespace keel {

class FramePages final : public PageSource {
public:
    explicit FramePages(FrameAllocator& frames) : frames_(frames) {}

    void* allocate_page() override {
        auto* p = free_;
        if (p) {
            free_ = reinterpret_cast<uint64_t*>(*p);
        } else {
            uint64_t pa;
            if (frames_.allocate(1, pa) != Status::Ok) return nullptr;
            p = reinterpret_cast<uint64_t*>(pa);
        }
        for (unsigned i = 0; i < PAGE_SIZE / 8; ++i) p[i] = 0;  // nothing of its last user
        return p;
    }
    // Only from the frame allocator: the list's pages are seldom neighbours.
    void* allocate_pages(size_t count) override {
        uint64_t pa;
        if (frames_.allocate(count, pa) != Status::Ok) return nullptr;
        auto* p = reinterpret_cast<uint64_t*>(pa);
        for (uint64_t i = 0; i < count * PAGE_SIZE / 8; ++i) p[i] = 0;
        return p;
    }
    void free_page(void* page) override {
        auto* p = static_cast<uint64_t*>(page);
        *p = reinterpret_cast<uint64_t>(free_);
        free_ = p;
    }

private:
    FrameAllocator& frames_;
    uint64_t* free_ = nullptr;  // pages given back, each holding the next's address
};

}  // namespace keel
