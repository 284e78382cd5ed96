// The local APIC's timer (SDM Vol. 3A, "APIC Timer"): one-shot and periodic modes
// counting the bus clock through the divide configuration register. The
// count is computed from the VMM's clock, never ticked: ticks since the
// initial count was written, re-based when the divider or the mode changes.
// TSC-deadline mode is not offered (CPUID's business): set anyway, it arms
// nothing and, as the SDM says for it, TIMER_INITIAL writes are ignored.
#include "vmm/devices/local_apic.hpp"

namespace keel::vmm::dev {
namespace {

constexpr unsigned ONE_SHOT = 0, PERIODIC = 1;
constexpr uint32_t DIVIDE_WRITABLE = 0xb;  // bits 0, 1 and 3
// One bus cycle per nanosecond: the arithmetic below counts ticks as
// nanoseconds divided by the divisor.
static_assert(LocalApic::BUS_HZ == 1000000000);

}  // namespace

// Bits 3, 1, 0 as a 3-bit number n: divide by 2^(n+1), and 7 means by 1.
uint64_t LocalApic::divisor() const {
    unsigned n = (timer_divide_ & 3) | (timer_divide_ >> 1 & 4);
    return uint64_t(1) << ((n + 1) & 7);
}

uint64_t LocalApic::timer_ticks(uint64_t now_ns) const {
    return timer_start_ticks_ + (now_ns > timer_start_ns_ ? (now_ns - timer_start_ns_) / divisor() : 0);
}

// How many times the count has reached zero after `ticks`.
uint64_t LocalApic::expiries(uint64_t ticks) const {
    if (timer_mode() == PERIODIC) return ticks / timer_initial_;
    return ticks >= timer_initial_ ? 1 : 0;
}

uint32_t LocalApic::timer_current(uint64_t now_ns) const {
    if (!timer_armed_) return 0;
    uint64_t t = timer_ticks(now_ns);
    if (timer_mode() == PERIODIC) return uint32_t(timer_initial_ - t % timer_initial_);
    return t >= timer_initial_ ? 0 : uint32_t(timer_initial_ - t);
}

// Expiries that passed while the entry was masked are lost, as on hardware;
// several unmasked ones since the last call are one interrupt (one IRR bit).
void LocalApic::advance(uint64_t now_ns) {
    if (!timer_armed_) return;
    uint64_t e = expiries(timer_ticks(now_ns));
    if (e <= timer_expiries_seen_) return;
    timer_expiries_seen_ = e;
    if (timer_mode() == ONE_SHOT) timer_armed_ = false;  // the count stays at 0
    if (!(lvt_[TIMER] & LVT_MASKED)) accept(uint8_t(lvt_[TIMER]), false);
}

uint64_t LocalApic::next_event_ns(uint64_t now_ns) const {
    if (!timer_armed_ || (lvt_[TIMER] & LVT_MASKED)) return NEVER;
    uint64_t target = timer_mode() == PERIODIC ? (timer_expiries_seen_ + 1) * timer_initial_ : timer_initial_;
    if (timer_ticks(now_ns) >= target) return now_ns;  // due already, not yet advanced
    // target > timer_start_ticks_ (expiries up to the re-base were seen), and
    // their difference is at most the initial count.
    uint64_t after = (target - timer_start_ticks_) * divisor();
    return after > NEVER - timer_start_ns_ ? NEVER : timer_start_ns_ + after;
}

void LocalApic::write_lvt_timer(uint32_t value, uint64_t now_ns) {
    unsigned old_mode = timer_mode();
    lvt_[TIMER] = value;
    unsigned mode = timer_mode();
    if (mode == old_mode) return;
    if (mode > PERIODIC || old_mode > PERIODIC) {  // into or out of TSC deadline: disarmed, as the SDM says
        timer_initial_ = 0;
        timer_armed_ = false;
        return;
    }
    // Periodic to one-shot: the current period runs out and stops there
    // (less than one tick is lost in the re-base). One-shot to periodic: the
    // same count, reloaded at zero from then on.
    if (!timer_armed_ || mode != ONE_SHOT) return;
    timer_start_ticks_ = timer_ticks(now_ns) % timer_initial_;
    timer_start_ns_ = now_ns;
    timer_expiries_seen_ = 0;
}

void LocalApic::write_timer_initial(uint32_t value, uint64_t now_ns) {
    if (timer_mode() > PERIODIC) return;
    timer_initial_ = value;
    timer_armed_ = value != 0;  // 0 stops the timer
    timer_start_ns_ = now_ns;
    timer_start_ticks_ = timer_expiries_seen_ = 0;
}

// The count goes on from where it is at the new rate.
void LocalApic::write_timer_divide(uint32_t value, uint64_t now_ns) {
    if (timer_armed_) {
        timer_start_ticks_ = timer_ticks(now_ns);
        timer_start_ns_ = now_ns;
    }
    timer_divide_ = value & DIVIDE_WRITABLE;
}

}  // namespace keel::vmm::dev
