// Page tables for PDs in host tests and fuzzing: each records what is mapped,
// and checks that the kernel never maps a page twice or unmaps a hole. Each
// costs its PD one page of kernel memory, as a real table's root does.
#pragma once
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "hypervisor/kernel/pd.hpp"

namespace keel::test {

class RecordingTable final : public ResourceSpace::Hardware {
public:
    bool map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) override {
        for (uint64_t i = 0; i < count; ++i)
            if (!pages.emplace(page + i, std::make_pair(frame + i, perms)).second) std::abort();
        return true;
    }
    void protect(uint64_t page, uint64_t count, uint8_t perms) override {
        for (uint64_t i = 0; i < count; ++i) {
            auto it = pages.find(page + i);
            if (it == pages.end() || (perms & ~it->second.second)) std::abort();
            it->second.second = perms;
        }
    }
    void unmap(uint64_t page, uint64_t count) override {
        for (uint64_t i = 0; i < count; ++i)
            if (pages.erase(page + i) != 1) std::abort();
    }
    bool mapped(uint64_t page) const override { return pages.count(page) != 0; }
    std::map<uint64_t, std::pair<uint64_t, uint8_t>> pages;
};

class FakePdHardware final : public PdHardware {
public:
    ResourceSpace::Hardware* table(abi::SpaceKind, KernelMemory& memory) override {
        if (exhausted) return nullptr;
        void* page = memory.allocate_page();
        if (!page) return nullptr;
        auto* t = new RecordingTable;
        live.emplace(t, page);
        return t;
    }
    void release(keel::abi::SpaceKind, ResourceSpace::Hardware* table, KernelMemory& memory) override {
        auto it = live.find(static_cast<RecordingTable*>(table));
        if (it == live.end()) std::abort();
        memory.free_page(it->second);
        delete it->first;
        live.erase(it);
    }
    ~FakePdHardware() {
        for (auto& t : live) delete t.first;
    }
    std::map<RecordingTable*, void*> live;  // each table and its page
    bool exhausted = false;
};

}  // namespace keel::test
