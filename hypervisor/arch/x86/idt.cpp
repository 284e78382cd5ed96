#include "idt.hpp"

#include "../../kernel/console.hpp"
#include "../../kernel/power.hpp"
#include "cpu.hpp"
#include "gdt.hpp"
#include "lapic.hpp"

extern "C" const uint64_t isr_stubs[256];

namespace keel::x86::idt {
namespace {

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint8_t INTERRUPT_GATE = 0x8e;  // present, DPL 0, 64-bit interrupt gate

alignas(16) constinit Gate table[256] = {};
constinit Handler handlers[256] = {};
constinit Handler user_fault = nullptr;
constinit volatile uint64_t nmis = 0;
constinit volatile uint64_t strays = 0;
constinit volatile uint32_t arrivals[256] = {};
constinit volatile uint64_t init_redirections = 0;
constexpr uint64_t STRAYS_REPORTED = 4;  // then counted silently: a storm must not stall the console
// #SX's error code when the CPU turned an INIT into it (VM_CR.R_INIT).
constexpr uint64_t SX_INIT_REDIRECTED = 1;

constexpr const char* exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved",
};

uint8_t ist_for(unsigned vector) {
    switch (vector) {
    case 2: return gdt::IST_NMI;
    case 8: return gdt::IST_DOUBLE_FAULT;
    case 18: return gdt::IST_MACHINE_CHECK;
    default: return 0;
    }
}

[[noreturn]] void dump_and_halt(const InterruptFrame& f) {
    console::print("\n*** KEEL EXCEPTION: %s (vector %u, error code 0x%lx) ***\n", exception_names[f.vector & 31],
                   unsigned(f.vector), f.error);
    console::print("RIP=%016lx CS=%04lx RFLAGS=%016lx\n", f.rip, f.cs, f.rflags);
    console::print("RSP=%016lx SS=%04lx CR2=%016lx\n", f.rsp, f.ss, read_cr2());
    console::print("RAX=%016lx RBX=%016lx RCX=%016lx\n", f.rax, f.rbx, f.rcx);
    console::print("RDX=%016lx RSI=%016lx RDI=%016lx\n", f.rdx, f.rsi, f.rdi);
    console::print("RBP=%016lx R8 =%016lx R9 =%016lx\n", f.rbp, f.r8, f.r9);
    console::print("R10=%016lx R11=%016lx R12=%016lx\n", f.r10, f.r11, f.r12);
    console::print("R13=%016lx R14=%016lx R15=%016lx\n", f.r13, f.r14, f.r15);
    console::print("CR0=%016lx CR3=%016lx CR4=%016lx\n", read_cr0(), read_cr3(), read_cr4());
    power::halt(power::ExitCode::Panic);
}

}  // namespace

void init() {
    for (unsigned v = 0; v < 256; ++v) {
        uint64_t stub = isr_stubs[v];
        if (!stub) continue;
        table[v] = Gate{uint16_t(stub),       gdt::KERNEL_CODE,     ist_for(v), INTERRUPT_GATE,
                        uint16_t(stub >> 16), uint32_t(stub >> 32), 0};
    }
    load();
}

void load() {
    DescriptorPointer ptr{sizeof(table) - 1, reinterpret_cast<uint64_t>(table)};
    asm volatile("lidt %0" ::"m"(ptr));
}

void set_handler(uint8_t vector, Handler handler) { handlers[vector] = handler; }
void set_user_fault_handler(Handler handler) { user_fault = handler; }

uint64_t nmi_count() { return nmis; }
uint64_t stray_count() { return strays; }
uint32_t arrival_count(uint8_t vector) { return arrivals[vector]; }
uint64_t init_count() { return init_redirections; }

}  // namespace keel::x86::idt

extern "C" void interrupt_dispatch(keel::x86::InterruptFrame* frame) {
    using namespace keel::x86;
    // An NMI is not a kernel fault: watchdogs and the NMI that exits a guest
    // (SVM re-raises it on the host after STGI) arrive here. Count it and go
    // on; printing each one would let an NMI storm stall the console.
    if (frame->vector == 2) {
        idt::nmis = idt::nmis + 1;
        if (idt::nmis <= 3)
            keel::console::print("keel: NMI received at rip 0x%lx on stack 0x%lx; continuing\n", frame->rip,
                                 frame->rsp);
        return;
    }
    // With VM_CR.R_INIT set an INIT arrives as #SX instead of resetting the
    // CPU into code nobody measured: ignore it and keep running.
    if (frame->vector == 30 && frame->error == idt::SX_INIT_REDIRECTED) {
        idt::init_redirections = idt::init_redirections + 1;
        keel::console::print("keel: INIT redirected to #SX at rip 0x%lx; ignored\n", frame->rip);
        return;
    }
    if (frame->vector < 32 && (frame->cs & 3) == 3 && idt::user_fault) return idt::user_fault(*frame);
    if (frame->vector < 32) idt::dump_and_halt(*frame);
    idt::arrivals[frame->vector & 255] = idt::arrivals[frame->vector & 255] + 1;
    if (idt::Handler h = idt::handlers[frame->vector & 255]) return h(*frame);
    // Nobody asked for this vector: a stray MSI, a spurious PIC IRQ or a
    // forged IPI. Count it, say so for the first few, and acknowledge it so
    // the local APIC delivers lower-priority interrupts again.
    idt::strays = idt::strays + 1;
    if (idt::strays <= idt::STRAYS_REPORTED)
        keel::console::print("keel: stray interrupt on vector %lu; counted and ignored%s\n", frame->vector,
                             idt::strays == idt::STRAYS_REPORTED ? " (further ones counted silently)" : "");
    lapic::eoi_if_in_service(uint8_t(frame->vector));
}
