#include "hypervisor/arch/x86/ioapic.hpp"

namespace keel::x86::ioapic {
namespace {

constexpr uint64_t BASE = 0xfec00000;  // reached through the kernel's uncached identity map
constexpr uint32_t VERSION = 0x01, REDIRECTION = 0x10;
constexpr uint64_t EOI_REGISTER = 0x40;  // version 0x20 and up
constinit uint32_t version_number = 0;
constexpr uint32_t MASKED = 1u << 16, LEVEL = 1u << 15, ACTIVE_LOW = 1u << 13;
constinit unsigned pin_count = 0;

uint32_t read(uint32_t index) {
    *reinterpret_cast<volatile uint32_t*>(BASE) = index;
    return *reinterpret_cast<volatile uint32_t*>(BASE + 0x10);
}
void write(uint32_t index, uint32_t value) {
    *reinterpret_cast<volatile uint32_t*>(BASE) = index;
    *reinterpret_cast<volatile uint32_t*>(BASE + 0x10) = value;
}

}  // namespace

Status init() {
    uint32_t version = read(VERSION);
    if (version == ~0u) return Status::NotFound;
    pin_count = (version >> 16 & 0xff) + 1;
    version_number = version & 0xff;
    for (unsigned pin = 0; pin < pin_count; ++pin) write(REDIRECTION + 2 * pin, MASKED);
    return Status::Ok;
}

unsigned pins() { return pin_count; }

void route(unsigned pin, uint8_t vector, uint32_t apic_id, bool level) {
    write(REDIRECTION + 2 * pin, MASKED);
    write(REDIRECTION + 2 * pin + 1, apic_id << 24);
    write(REDIRECTION + 2 * pin, vector | (level ? LEVEL | ACTIVE_LOW : 0));
}

void mask(unsigned pin) { write(REDIRECTION + 2 * pin, read(REDIRECTION + 2 * pin) | MASKED); }
void end_of_interrupt(unsigned pin, uint8_t vector) {
    if (version_number >= 0x20) {
        *reinterpret_cast<volatile uint32_t*>(BASE + EOI_REGISTER) = vector;
        return;
    }
    // Older ones forget Remote IRR when the pin turns edge-triggered.
    uint32_t low = read(REDIRECTION + 2 * pin);
    write(REDIRECTION + 2 * pin, (low | MASKED) & ~LEVEL);
    write(REDIRECTION + 2 * pin, low);
}

void unmask(unsigned pin) { write(REDIRECTION + 2 * pin, read(REDIRECTION + 2 * pin) & ~MASKED); }

}  // namespace keel::x86::ioapic
