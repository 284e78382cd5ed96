#include "vmm/devices/acpi_pm.hpp"

namespace keel::vmm::dev {
namespace {

constexpr uint16_t SCI_EN = 1, SLP_EN = 1 << 13;
constexpr unsigned SLP_TYP_SHIFT = 10;
constexpr uint16_t SLP_TYP_MASK = 7;
constexpr uint64_t NS_PER_S = 1000000000;

}  // namespace

uint32_t AcpiPm::timer(uint64_t now_ns) {
    // now_ns * TIMER_HZ / 1e9 without overflow: seconds and the rest apart.
    uint64_t ticks = now_ns / NS_PER_S * TIMER_HZ + now_ns % NS_PER_S * TIMER_HZ / NS_PER_S;
    return uint32_t(ticks & 0xffffff);
}

uint8_t AcpiPm::read(uint16_t port, uint64_t now_ns) const {
    if (port >= TIMER_BLOCK && port < TIMER_BLOCK + TIMER_LENGTH)
        return uint8_t(timer(now_ns) >> (8 * (port - TIMER_BLOCK)));
    if (port >= CONTROL_BLOCK && port < CONTROL_BLOCK + CONTROL_LENGTH)
        return uint8_t(control_ >> (8 * (port - CONTROL_BLOCK)));
    if (port >= EVENT_BLOCK && port < EVENT_BLOCK + 2) return uint8_t(status_ >> (8 * (port - EVENT_BLOCK)));
    if (port >= EVENT_BLOCK + 2 && port < EVENT_BLOCK + EVENT_LENGTH)
        return uint8_t(enable_ >> (8 * (port - EVENT_BLOCK - 2)));
    return 0xff;
}

void AcpiPm::write(uint16_t port, uint8_t value, uint64_t) {
    if (port >= EVENT_BLOCK && port < EVENT_BLOCK + 2) {
        status_ &= uint16_t(~(unsigned(value) << (8 * (port - EVENT_BLOCK))));  // write 1 to clear
    } else if (port >= EVENT_BLOCK + 2 && port < EVENT_BLOCK + EVENT_LENGTH) {
        unsigned shift = 8 * (port - EVENT_BLOCK - 2);
        enable_ = uint16_t((enable_ & ~(0xffu << shift)) | unsigned(value) << shift);
    } else if (port >= CONTROL_BLOCK && port < CONTROL_BLOCK + CONTROL_LENGTH) {
        unsigned shift = 8 * (port - CONTROL_BLOCK);
        uint16_t written = uint16_t((control_ & ~(0xffu << shift)) | unsigned(value) << shift);
        // SLP_EN is write-only and acts at once; SCI_EN stays set.
        if ((written & SLP_EN) && (written >> SLP_TYP_SHIFT & SLP_TYP_MASK) == S5_TYPE) power_off_(ctx_);
        control_ = uint16_t((written & ~SLP_EN) | SCI_EN);
    }
}

}  // namespace keel::vmm::dev
