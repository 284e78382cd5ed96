#include "hypervisor/arch/x86/paging_space.hpp"

#include "abi/capability.hpp"
#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/gdt.hpp"
#include "hypervisor/arch/x86/tlb.hpp"
#include "hypervisor/tpm/tpm_mmio.hpp"
#include "lib/assert.hpp"

namespace keel::x86 {
namespace {
constexpr uint64_t PAGE = 4096;
constexpr unsigned KERNEL_SLOT = 0, LAST_USER_SLOT = 255;
// Above this many pages one CR3 reload is cheaper than INVLPG each.
constexpr uint64_t INVLPG_LIMIT = 32;
}  // namespace

PagingSpace::~PagingSpace() {
    if (kind_ == Kind::Host)
        table_.release(KERNEL_SLOT + 1, LAST_USER_SLOT, true);
    else
        table_.release(0, 511, true);
}

bool PagingSpace::init(const uint64_t* kernel_root) {
    if (table_.init() != Status::Ok) return false;
    if (kind_ == Kind::Host) {
        table_.set_root_entry(KERNEL_SLOT, kernel_root[KERNEL_SLOT]);
        table_.set_root_entry(gdt::WINDOW_SLOT, kernel_root[gdt::WINDOW_SLOT]);
    }
    return true;
}

uint64_t PagingSpace::flags(uint64_t frame, uint8_t perms) const {
    uint64_t f = pte::USER;
    if (perms & abi::perm::MEM_W) f |= pte::WRITE;
    // W^X in every PD: a host page that is writable is never executable,
    // whatever rights its capability carries (which it may still pass on,
    // e.g. to the guest memory space, where a guest runs code from RAM).
    bool writable_host = kind_ == Kind::Host && (perms & abi::perm::MEM_W);
    if (!(perms & abi::perm::MEM_X) || writable_host) f |= pte::NX;
    if (!is_ram_(frame * PAGE)) f |= pte::PCD | pte::PWT;
    return f;
}

bool PagingSpace::map(uint64_t page, uint64_t frame, uint64_t count, uint8_t perms) {
    // ResourceSpace never lets these through (the root task never holds
    // them); were it to, the hypervisor's measurements would be forgeable.
    KEEL_ASSERT(!tpm::touches_privileged_localities(frame * PAGE, count * PAGE));
    if (!(perms & abi::perm::MEM_R)) return true;  // x86 cannot map without read: such a page stays absent
    for (uint64_t i = 0; i < count; ++i) {
        Status s = table_.map((page + i) * PAGE, (frame + i) * PAGE, PAGE, flags(frame + i, perms), SIZE_4K);
        if (s != Status::Ok) {
            KEEL_ASSERT(s == Status::OutOfMemory);  // the space never maps a page twice
            table_.unmap(page * PAGE, i * PAGE);
            flush(page, i);
            return false;
        }
    }
    // Devices see the page only once the guest may (and lose it first).
    if (dma_ && !dma_->map(page, frame, count, perms)) {
        table_.unmap(page * PAGE, count * PAGE);
        flush(page, count);
        return false;
    }
    return true;
}

void PagingSpace::protect(uint64_t page, uint64_t count, uint8_t perms) {
    if (!(perms & abi::perm::MEM_R)) return unmap(page, count);
    if (dma_) dma_->protect(page, count, perms);
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t pa, f;
        if (table_.lookup((page + i) * PAGE, pa, f) == Status::Ok)
            table_.protect((page + i) * PAGE, PAGE, flags(pa / PAGE, perms));
    }
    flush(page, count);
}

void PagingSpace::unmap(uint64_t page, uint64_t count) {
    if (dma_) dma_->unmap(page, count);
    table_.unmap(page * PAGE, count * PAGE);
    flush(page, count);
}

bool PagingSpace::mapped(uint64_t page) const {
    uint64_t pa, f;
    return table_.lookup(page * PAGE, pa, f) == Status::Ok;
}

// On this CPU only the loaded table can have cached entries (a CR3 load
// drops all user entries, none is global). Nested entries are tagged by the
// vCPU's ASID: its next entry flushes it (generation). The other CPUs may
// run the same table, or a guest of it: they are shot down (tlb.hpp), which
// also sends any of this PD's vCPUs out of the guest to re-enter flushed.
// Devices assigned to the PD forget the old translations before the CPUs:
// either way the revocation returns only when neither can use them.
void PagingSpace::flush(uint64_t page, uint64_t count) {
    if (dma_) dma_->flush();
    ++generation_;
    if (kind_ == Kind::Host && read_cr3() == table_.root()) {
        if (count > INVLPG_LIMIT)
            write_cr3(table_.root());
        else
            for (uint64_t i = 0; i < count; ++i) asm volatile("invlpg (%0)" ::"r"((page + i) * PAGE) : "memory");
    }
    tlb::shootdown();
}

}  // namespace keel::x86
