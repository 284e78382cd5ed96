#include "hypervisor/arch/x86/smp.hpp"

#include <stddef.h>

#include "hypervisor/arch/x86/cpu.hpp"
#include "hypervisor/arch/x86/gdt.hpp"
#include "hypervisor/arch/x86/global_interrupt_flag.hpp"
#include "hypervisor/arch/x86/idt.hpp"
#include "hypervisor/arch/x86/lapic.hpp"
#include "hypervisor/arch/x86/tlb.hpp"
#include "hypervisor/arch/x86/user_mode.hpp"

extern "C" {
extern const uint8_t ap_trampoline[], ap_trampoline_end[], ap_trampoline_gdt[], ap_trampoline_gdt_base[];
extern uint64_t ap_kernel_cr3;
extern volatile uint32_t ap_next_index;
alignas(4096) keel::x86::CpuLocal cpu_locals[keel::x86::MAX_CPUS];
}

namespace keel::x86::smp {
namespace {

constinit ApEntry ap_entry = nullptr;
constinit uint64_t boot_cr0 = 0, boot_cr4 = 0;
constinit volatile unsigned arrived = 1;

unsigned online() {
    unsigned n = 0;
    for (unsigned i = 0; i < MAX_CPUS; ++i) n += cpu_local(i).online;
    return n;
}

}  // namespace

Status start_others(uint64_t page, ApEntry entry, uint64_t quiet_ticks, StartReport& report) {
    report = {1, 0};
    CpuLocal& boot = here();
    boot.apic_id = lapic::id();
    boot.online = true;
    if (page & 0xfff || page == 0 || page > MAX_START_PAGE) return Status::BadArgument;
    size_t size = size_t(ap_trampoline_end - ap_trampoline);
    auto* copy = reinterpret_cast<uint8_t*>(page);
    for (size_t i = 0; i < size; ++i) copy[i] = ap_trampoline[i];
    uint32_t gdt = uint32_t(page + uint64_t(ap_trampoline_gdt - ap_trampoline));
    __builtin_memcpy(copy + (ap_trampoline_gdt_base - ap_trampoline), &gdt, sizeof gdt);
    ap_entry = entry;
    ap_kernel_cr3 = read_cr3();
    boot_cr0 = read_cr0();
    boot_cr4 = read_cr4();
    asm volatile("mfence" ::: "memory");
    if (Status s = lapic::start_others(uint8_t(page >> 12)); s != Status::Ok) return s;
    // Nobody says how many will come: wait until none has for a while.
    uint64_t last = lapic::ticks();
    unsigned seen = arrived;
    while (lapic::ticks() - last < quiet_ticks) {
        x86::sti();
        x86::hlt();
        x86::cli();
        if (arrived != seen) seen = arrived, last = lapic::ticks();
    }
    report.online = online();
    uint32_t tickets = ap_next_index;
    report.parked = tickets > MAX_CPUS ? tickets - MAX_CPUS : 0;
    return Status::Ok;
}

}  // namespace keel::x86::smp

// ap_boot.S calls this on the AP's own main stack with its index.
extern "C" [[noreturn]] void ap_main(uint32_t index) {
    using namespace keel::x86;
    CpuLocal& c = cpu_local(index);
    write_cr0(smp::boot_cr0);  // caches on (INIT left CD and NW set), WP, and the boot CPU's FPU policy
    gdt::init(c);
    idt::load();
    (void)set_global_interrupt_flag();
    write_cr4(smp::boot_cr4);
    user::init_cpu();
    lapic::init_ap();
    c.apic_id = lapic::id();
    tlb::mark_current();
    c.online = true;
    __atomic_add_fetch(&smp::arrived, 1, __ATOMIC_SEQ_CST);
    smp::ap_entry(c);
    c.online = false;  // parked: no more shootdowns or kicks for it
    for (;;) {
        cli();
        hlt();
    }
}
