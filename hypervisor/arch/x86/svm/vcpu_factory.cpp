#include "hypervisor/arch/x86/svm/vcpu_factory.hpp"

#include <new>

#include "hypervisor/arch/x86/pd_tables.hpp"
#include "hypervisor/arch/x86/svm/msr_permission_map.hpp"
#include "hypervisor/arch/x86/tlb.hpp"

namespace keel::x86::svm {
namespace {

ResourceSpace::Hardware* make_map(KernelMemory& memory) {
    void* p = memory.allocate<MsrPermissionMap>();
    void* pages = memory.allocate_pages(MsrPermissionMap::PAGES);
    if (!p || !pages) {
        if (p) memory.free(p);
        if (pages)
            for (size_t i = 0; i < MsrPermissionMap::PAGES; ++i)
                memory.free_page(static_cast<uint8_t*>(pages) + i * 4096);
        return nullptr;
    }
    return new (p) MsrPermissionMap(static_cast<uint8_t*>(pages), tlb::shootdown);
}

void release_map(ResourceSpace::Hardware* table, KernelMemory& memory) {
    auto* map = static_cast<MsrPermissionMap*>(table);
    uint8_t* pages = map->pages();
    map->~MsrPermissionMap();
    memory.free(map);
    for (size_t i = 0; i < MsrPermissionMap::PAGES; ++i) memory.free_page(pages + i * 4096);
}

constexpr MsrTables MAPS = {make_map, release_map};

}  // namespace

const MsrTables& msr_tables() { return MAPS; }

VcpuFactory::VcpuFactory(SharedState* shared) : shared_(shared) {}

VcpuHw* VcpuFactory::create(Pd& pd, uint16_t on, abi::Status& status) {
    // Every PD made once SVM was on has a permission map (main.cpp).
    auto& msrs = static_cast<MsrPermissionMap&>(pd.table(3));
    GuestCpu* cpu =
        GuestCpu::create(pd.memory, shared_[on], PdTables::guest_table(pd), reinterpret_cast<uint64_t>(msrs.pages()));
    status = cpu ? abi::Status::Success : abi::Status::OutOfMemory;
    return cpu;
}

}  // namespace keel::x86::svm
