// What each CPU has of its own: its GDT and TSS, the stacks its entries
// run on, the SYSCALL entry's scratch slots, its I/O bitmap window. A CPU
// finds its own through the GDTR: SGDT works in every context and on every
// stack (NMI and double fault included), ring 3 cannot change the GDTR, and
// #VMEXIT restores the host's. So no GS base has to be kept safe from user
// level (which can load GS at will) and no SWAPGS discipline is needed.
#pragma once
#include <stdint.h>

#include "hypervisor/arch/x86/cpu_local_layout.h"

namespace keel::x86 {

inline constexpr unsigned MAX_CPUS = KEEL_MAX_CPUS;
inline constexpr uint64_t IST_STACK_SIZE = 4096, ENTRY_STACK_SIZE = 16384, MAIN_STACK_SIZE = 16384;

struct alignas(4096) CpuLocal {
    uint64_t gdt[9];  // first: the GDTR's base is this struct (here())
    uint64_t entry_top;  // the SYSCALL entry's stack (and TSS.RSP0)
    uint64_t user_rsp;  // the SYSCALL entry's scratch slot
    uint64_t resume_rsp;  // run_user's kernel context (user_entry.S)
    uint32_t index;  // 0 = the boot CPU
    uint32_t apic_id;
    uint64_t* window_pte[2];  // this CPU's I/O bitmap window (gdt.cpp)
    const uint8_t* loaded_low;  // the bitmap mapped there
    void* kernel;  // the kernel layer's per-CPU state
    volatile uint64_t tlb_seen;  // the last shootdown this CPU has done (tlb.cpp)
    volatile bool lock_waiting;  // spinning for the kernel lock, interrupts off
    volatile bool online;  // takes IPIs: kicks, shootdowns
    volatile bool ready;  // set up to run user level (virtualization on)
    alignas(4096) uint8_t tss_page[4096];
    uint8_t ist[3][IST_STACK_SIZE];
    uint8_t entry_stack[ENTRY_STACK_SIZE];
    uint8_t main_stack[MAIN_STACK_SIZE];  // an AP's until user level (the boot CPU keeps the linker's)
};
static_assert(sizeof(CpuLocal) == CPU_LOCAL_SIZE);
static_assert(__builtin_offsetof(CpuLocal, entry_top) == CPU_LOCAL_ENTRY_TOP);
static_assert(__builtin_offsetof(CpuLocal, user_rsp) == CPU_LOCAL_USER_RSP);
static_assert(__builtin_offsetof(CpuLocal, resume_rsp) == CPU_LOCAL_RESUME_RSP);

extern "C" CpuLocal cpu_locals[MAX_CPUS];

inline CpuLocal& cpu_local(unsigned index) { return cpu_locals[index]; }

// Valid once gdt::init() ran on this CPU.
inline CpuLocal& here() {
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } gdtr;
    asm volatile("sgdt %0" : "=m"(gdtr));
    return *reinterpret_cast<CpuLocal*>(gdtr.base);
}

}  // namespace keel::x86
