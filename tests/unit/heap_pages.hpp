// A page source for host tests: aligned pages from the heap, counted, and
// optionally limited to simulate kernel memory running out. Pages allocated
// together (allocate_pages) are one heap block, freed when its last page is.
#pragma once
#include <cstdlib>
#include <cstring>
#include <map>

#include "hypervisor/kernel/slab.hpp"

namespace keel::test {

class HeapPages final : public PageSource {
public:
    explicit HeapPages(size_t limit = ~size_t(0)) : limit_(limit) {}
    ~HeapPages() {
        for (auto& b : blocks_) std::free(b.first);
    }
    void* allocate_page() override { return allocate_pages(1); }
    void* allocate_pages(size_t count) override {
        if (!count || live() + count > limit_) return nullptr;
        auto* block = static_cast<char*>(std::aligned_alloc(4096, count * 4096));
        std::memset(block, 0, count * 4096);
        blocks_[block] = count;
        for (size_t i = 0; i < count; ++i) pages_[block + i * 4096] = block;
        return block;
    }
    void free_page(void* page) override {
        auto it = pages_.find(page);
        if (it == pages_.end()) std::abort();  // not ours, or twice: a bug in the code under test
        char* block = it->second;
        pages_.erase(it);
        if (--blocks_[block] == 0) {
            blocks_.erase(block);
            std::free(block);
        }
    }
    size_t live() const { return pages_.size(); }
    void set_limit(size_t limit) { limit_ = limit; }

private:
    size_t limit_;
    std::map<void*, char*> pages_;  // each live page and its block
    std::map<char*, size_t> blocks_;  // each block and its live pages
};

}  // namespace keel::test
