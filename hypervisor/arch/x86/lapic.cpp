#include "lapic.hpp"

#include "cpu.hpp"
#include "hypervisor/arch/x86/cpu_local.hpp"
#include "idt.hpp"
#include "pit.hpp"

namespace keel::x86::lapic {
namespace {

enum Reg : uint32_t {
    APIC_ID = 0x20,
    EOI = 0xb0,
    ICR_HIGH = 0x310,
    ICR_LOW = 0x300,
    SPURIOUS = 0xf0,
    LVT_TIMER = 0x320,
    TIMER_INITIAL = 0x380,
    TIMER_CURRENT = 0x390,
    TIMER_DIVIDE = 0x3e0,
};
constexpr uint64_t APIC_BASE_ENABLE = 1ull << 11;
constexpr uint64_t APIC_BASE_X2APIC = 1ull << 10;
constexpr uint32_t SOFTWARE_ENABLE = 1u << 8;
constexpr uint32_t LVT_MASKED = 1u << 16;
constexpr uint32_t LVT_PERIODIC = 1u << 17;
constexpr uint32_t DIVIDE_BY_16 = 0x3;
constexpr uint32_t CALIBRATION_MS = 10;

constexpr uint32_t DELIVERY_PENDING = 1u << 12;

constinit volatile uint32_t* mmio = nullptr;
constinit volatile uint64_t tick_count = 0;
constinit TimerInfo timer = {};  // as the boot CPU calibrated it; the others run at its rate

uint32_t read(Reg r) { return mmio[r / 4]; }
void write(Reg r, uint32_t v) { mmio[r / 4] = v; }

using TickHook = void (*)(InterruptFrame&);
constinit TickHook tick_hook = nullptr;

void on_timer(InterruptFrame& f) {
    if (here().index == 0) tick_count = tick_count + 1;  // the boot CPU's clock
    write(EOI, 0);
    if (tick_hook) tick_hook(f);
}
// The APIC's own spurious interrupt sets no in-service bit and takes no EOI;
// an IPI or MSI forged on the same vector does, and is acknowledged.
void on_spurious(InterruptFrame& f) { eoi_if_in_service(uint8_t(f.vector)); }

bool wait_idle() {
    for (uint32_t spins = 0; read(ICR_LOW) & DELIVERY_PENDING; ++spins)
        if (spins == 1'000'000) return false;
    return true;
}

void enable_here() {
    uint64_t base = rdmsr(msr::APIC_BASE);
    // xAPIC mode: firmware may leave x2APIC on; leaving it needs a disable first.
    if (base & APIC_BASE_X2APIC) {
        wrmsr(msr::APIC_BASE, base & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
        base &= ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
    }
    wrmsr(msr::APIC_BASE, base | APIC_BASE_ENABLE);
}

}  // namespace

Status init(uint64_t& mmio_base) {
    if (!(cpuid(1).edx & (1u << 9))) return Status::Unsupported;
    enable_here();
    mmio_base = rdmsr(msr::APIC_BASE) & 0x000ffffffffff000ull;
    mmio = reinterpret_cast<volatile uint32_t*>(mmio_base);
    idt::set_handler(vector::LAPIC_TIMER, on_timer);
    idt::set_handler(vector::SPURIOUS, on_spurious);
    write(SPURIOUS, SOFTWARE_ENABLE | vector::SPURIOUS);
    write(LVT_TIMER, LVT_MASKED);
    return Status::Ok;
}

Status start_timer(uint32_t hz, TimerInfo& info) {
    if (!mmio || !hz) return Status::BadArgument;
    write(TIMER_DIVIDE, DIVIDE_BY_16);
    write(LVT_TIMER, LVT_MASKED);
    write(TIMER_INITIAL, 0xffffffff);
    pit::start_oneshot(CALIBRATION_MS);
    uint32_t polls = 0;
    while (!pit::expired())
        if (++polls == pit::MAX_POLLS) return Status::Unsupported;
    uint32_t elapsed = 0xffffffff - read(TIMER_CURRENT);
    write(TIMER_INITIAL, 0);
    info.bus_ticks_per_ms = elapsed / CALIBRATION_MS;
    if (!info.bus_ticks_per_ms) return Status::Unsupported;
    info.hz = hz;
    timer = info;
    write(LVT_TIMER, LVT_PERIODIC | vector::LAPIC_TIMER);
    write(TIMER_INITIAL, info.bus_ticks_per_ms * 1000 / hz);
    return Status::Ok;
}

// The MMIO page is at the same address on every CPU (each sees its own).
void init_ap() {
    enable_here();
    write(SPURIOUS, SOFTWARE_ENABLE | vector::SPURIOUS);
    write(LVT_TIMER, LVT_MASKED);
    if (!timer.hz) return;
    write(TIMER_DIVIDE, DIVIDE_BY_16);
    write(LVT_TIMER, LVT_PERIODIC | vector::LAPIC_TIMER);
    write(TIMER_INITIAL, timer.bus_ticks_per_ms * 1000 / timer.hz);
}

uint32_t id() { return mmio ? read(APIC_ID) >> 24 : 0; }

void eoi() { write(EOI, 0); }

Status send_ipi(uint32_t apic_id, uint8_t vec) {
    if (!mmio || vec < 32) return Status::BadArgument;
    // Interrupts are off in the kernel, so nothing on this CPU writes the
    // ICR between the two halves.
    write(ICR_HIGH, apic_id << 24);
    write(ICR_LOW, vec);
    return wait_idle() ? Status::Ok : Status::Unsupported;
}

Status start_others(uint8_t sipi_page) {
    constexpr uint32_t ALL_BUT_SELF = 0x3 << 18, LEVEL_ASSERT = 1u << 14;
    constexpr uint32_t DELIVERY_INIT = 0x5 << 8, DELIVERY_STARTUP = 0x6 << 8;
    if (!mmio) return Status::BadArgument;
    write(ICR_LOW, ALL_BUT_SELF | DELIVERY_INIT | LEVEL_ASSERT);
    if (!wait_idle()) return Status::Unsupported;
    pit::delay_ms(10);
    // Two start-ups, as the MP specification asks: a CPU that took the
    // first ignores the second.
    for (int i = 0; i < 2; ++i) {
        write(ICR_LOW, ALL_BUT_SELF | DELIVERY_STARTUP | sipi_page);
        if (!wait_idle()) return Status::Unsupported;
        pit::delay_ms(1);
    }
    return Status::Ok;
}

uint64_t ticks() { return tick_count; }
void set_tick_hook(void (*hook)(InterruptFrame&)) { tick_hook = hook; }

void eoi_if_in_service(uint8_t vec) {
    constexpr uint32_t ISR_BASE = 0x100;
    if (mmio && (mmio[(ISR_BASE + 0x10 * (vec / 32)) / 4] & (1u << (vec % 32)))) write(EOI, 0);
}

Status send_self_ipi(uint8_t vec) {
    constexpr uint32_t SHORTHAND_SELF = 0x1 << 18;
    if (!mmio || vec < 32) return Status::BadArgument;  // 0-31 are illegal for a fixed IPI
    write(ICR_LOW, SHORTHAND_SELF | vec);
    return wait_idle() ? Status::Ok : Status::Unsupported;
}

void send_self_init() {
    // No shorthand may carry an INIT to oneself: name this CPU's APIC ID.
    constexpr uint32_t DELIVERY_INIT = 0x5 << 8, LEVEL_ASSERT = 1u << 14;
    if (!mmio) return;
    write(ICR_HIGH, read(APIC_ID) & 0xff000000u);
    write(ICR_LOW, DELIVERY_INIT | LEVEL_ASSERT);
}

void send_self_nmi() {
    constexpr uint32_t DELIVERY_NMI = 0x4 << 8;
    constexpr uint32_t SHORTHAND_SELF = 0x1 << 18;
    if (mmio) write(ICR_LOW, SHORTHAND_SELF | DELIVERY_NMI);
}

}  // namespace keel::x86::lapic
