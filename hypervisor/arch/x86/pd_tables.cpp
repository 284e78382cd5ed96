#include "hypervisor/arch/x86/pd_tables.hpp"

#include <new>

#include "hypervisor/arch/x86/cpu.hpp"
#include "lib/assert.hpp"

namespace keel::x86 {
namespace {

// Tables live in kernel memory, reached through the identity map.
Status allocate_table(void* ctx, uint64_t& phys) {
    void* page = static_cast<PageSource*>(ctx)->allocate_page();
    if (!page) return Status::OutOfMemory;
    phys = reinterpret_cast<uint64_t>(page);
    return Status::Ok;
}
uint64_t* access_table(void*, uint64_t phys) { return reinterpret_cast<uint64_t*>(phys); }
void free_table(void* ctx, uint64_t phys) { static_cast<PageSource*>(ctx)->free_page(reinterpret_cast<void*>(phys)); }

// Without a virtualization backend the root task receives no MSR
// (RootTaskSetup::msrs), so none ever reaches a PD's space.
class NoMsrPassThrough final : public ResourceSpace::Hardware {
public:
    bool map(uint64_t, uint64_t, uint64_t, uint8_t) override {
        KEEL_ASSERT(!"an MSR reached a PD, but the root task was given none");
        return false;
    }
    void protect(uint64_t, uint64_t, uint8_t) override {}
    void unmap(uint64_t, uint64_t) override {}
    bool mapped(uint64_t) const override { return false; }
};
constinit NoMsrPassThrough no_msrs;

}  // namespace

PageTableMemory pd_table_memory(KernelMemory& memory) {
    return {allocate_table, access_table, static_cast<PageSource*>(&memory), free_table};
}

PdTables::PdTables(const uint64_t* kernel_root, PagingSpace::IsRam is_ram)
    : kernel_root_(kernel_root), is_ram_(is_ram) {}

ResourceSpace::Hardware* PdTables::table(abi::SpaceKind kind, KernelMemory& memory) {
    switch (kind) {
    case abi::SpaceKind::HostMemory:
    case abi::SpaceKind::GuestMemory: {
        void* p = memory.allocate<PagingSpace>();
        if (!p) return nullptr;
        auto* space = new (p) PagingSpace(
            pd_table_memory(memory),
            kind == abi::SpaceKind::HostMemory ? PagingSpace::Kind::Host : PagingSpace::Kind::Nested, is_ram_);
        if (!space->init(kernel_root_)) {
            space->~PagingSpace();
            memory.free(p);
            return nullptr;
        }
        return space;
    }
    case abi::SpaceKind::Pio: {
        void* p = memory.allocate<IoBitmap>();
        auto* low = static_cast<uint8_t*>(memory.allocate_page());
        auto* high = static_cast<uint8_t*>(memory.allocate_page());
        if (!p || !low || !high) {
            if (p) memory.free(p);
            if (low) memory.free_page(low);
            if (high) memory.free_page(high);
            return nullptr;
        }
        return new (p) IoBitmap(low, high);
    }
    case abi::SpaceKind::Msr: return msrs_ ? msrs_->make(memory) : &no_msrs;
    default: return nullptr;
    }
}

void PdTables::release(abi::SpaceKind kind, ResourceSpace::Hardware* table, KernelMemory& memory) {
    if (kind == abi::SpaceKind::Msr) {
        if (table != &no_msrs) msrs_->release(table, memory);
        return;
    }
    if (kind == abi::SpaceKind::Pio) {
        auto* io = static_cast<IoBitmap*>(table);
        uint8_t *low = io->low(), *high = io->high();
        gdt::unload_io_bitmap(low);  // the pages may come back as another PD's bitmap
        io->~IoBitmap();
        memory.free(io);
        memory.free_page(low);
        memory.free_page(high);
        return;
    }
    auto* space = static_cast<PagingSpace*>(table);
    // No device may go on walking tables that are about to be freed either.
    if (DmaMirror* dma = space->dma()) {
        space->set_dma(nullptr);
        dma->destroy(memory);
    }
    // The CPU must not go on walking tables that are about to be freed.
    if (kind == abi::SpaceKind::HostMemory && read_cr3() == space->root())
        write_cr3(reinterpret_cast<uint64_t>(kernel_root_));
    space->~PagingSpace();
    memory.free(space);
}

PagingSpace& PdTables::host_table(Pd& pd) { return static_cast<PagingSpace&>(pd.table(0)); }
PagingSpace& PdTables::guest_table(Pd& pd) { return static_cast<PagingSpace&>(pd.table(1)); }
IoBitmap& PdTables::io_bitmap(Pd& pd) { return static_cast<IoBitmap&>(pd.table(2)); }

}  // namespace keel::x86
