// A page source for host tests: aligned pages from the heap, counted, and
// optionally limited to simulate kernel memory running out.
#pragma once
#include <cstdlib>
#include <cstring>
#include <set>

#include "hypervisor/kernel/slab.hpp"

namespace keel::test {

class HeapPages final : public PageSource {
public:
    explicit HeapPages(size_t limit = ~size_t(0)) : limit_(limit) {}
    ~HeapPages() {
        for (void* p : live_) std::free(p);
    }
    void* allocate_page() override {
        if (live_.size() >= limit_) return nullptr;
        void* p = std::aligned_alloc(4096, 4096);
        std::memset(p, 0, 4096);
        live_.insert(p);
        return p;
    }
    void free_page(void* page) override {
        if (live_.erase(page) != 1) std::abort();  // not ours, or twice: a bug in the code under test
        std::free(page);
    }
    size_t live() const { return live_.size(); }
    void set_limit(size_t limit) { limit_ = limit; }

private:
    size_t limit_;
    std::set<void*> live_;
};

}  // namespace keel::test
