#include "hypervisor/arch/x86/tlb.hpp"

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "hypervisor/arch/x86/lapic.hpp"

namespace keel::x86::tlb {
namespace {

constinit volatile uint64_t generation = 0;

bool caught_up(const CpuLocal& c, uint64_t g) { return c.tlb_seen >= g || c.lock_waiting; }

}  // namespace

void shootdown() {
    CpuLocal& self = here();
    uint64_t g = __atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
    self.tlb_seen = g;  // the caller flushed its own entries
    for (unsigned i = 0; i < MAX_CPUS; ++i) {
        CpuLocal& c = cpu_local(i);
        if (&c != &self && c.online && !caught_up(c, g)) (void)lapic::send_ipi(c.apic_id, vector::TLB_SHOOTDOWN);
    }
    for (unsigned i = 0; i < MAX_CPUS; ++i) {
        CpuLocal& c = cpu_local(i);
        if (&c == &self || !c.online) continue;
        while (c.online && !caught_up(c, g)) pause();
    }
}

void catch_up() {
    CpuLocal& c = here();
    uint64_t g = generation;
    if (c.tlb_seen == g) return;
    write_cr3(read_cr3());
    __atomic_store_n(&c.tlb_seen, g, __ATOMIC_SEQ_CST);
}

void mark_current() { here().tlb_seen = generation; }

void on_ipi() {
    catch_up();
    lapic::eoi();
}

}  // namespace keel::x86::tlb
