#include "vmm/devices/pit8254.hpp"

namespace keel::vmm::dev {

namespace {
constexpr uint64_t NS_PER_S = 1000000000;
// The 15 µs DRAM refresh that toggles port 0x61's bit 4: old delay loops count it.
constexpr uint64_t REFRESH_NS = 15085;

constexpr uint32_t from_bcd(uint32_t v) {
    return (v & 15) + (v >> 4 & 15) * 10 + (v >> 8 & 15) * 100 + (v >> 12 & 15) * 1000;
}
constexpr uint16_t to_bcd(uint32_t v) {
    return uint16_t(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}
}  // namespace

// Split at whole seconds, so no product exceeds 10^9 * 1193182 < 2^64.
uint64_t Pit8254::ticks_in(uint64_t ns) {
    return ns / NS_PER_S * FREQUENCY_HZ + ns % NS_PER_S * FREQUENCY_HZ / NS_PER_S;
}

uint64_t Pit8254::ns_for(uint64_t ticks) {
    return ticks / FREQUENCY_HZ * NS_PER_S + (ticks % FREQUENCY_HZ * NS_PER_S + FREQUENCY_HZ - 1) / FREQUENCY_HZ;
}

uint64_t Pit8254::Channel::ticks(uint64_t now_ns) const {
    if (!running()) return 0;
    if (!counting) return base_ticks;
    return base_ticks + (now_ns > start_ns ? ticks_in(now_ns - start_ns) : 0);
}

// Modes 2 and 3 divide by the count; 1 is not a legal divisor there.
static uint64_t period(uint8_t mode, uint32_t count) { return (mode == 2 || mode == 3) && count < 2 ? 2 : count; }

uint16_t Pit8254::Channel::value(uint64_t now_ns) const {
    uint32_t wrap = bcd ? 10000 : 65536;
    if (!running()) return uint16_t(count % wrap);
    uint64_t d = ticks(now_ns), m = period(mode, count);
    switch (mode) {
    case 2: return uint16_t((m - d % m) % wrap);
    case 3: return uint16_t((m - 2 * d % m) % wrap);  // counts down by two
    default: return uint16_t((m + wrap - d % wrap) % wrap);
    }
}

bool Pit8254::Channel::out(uint64_t now_ns) const {
    if (!loaded) return mode != 0;
    if (!running()) return true;  // modes 1 and 5 wait for the gate with OUT high
    if ((mode == 2 || mode == 3) && !gate) return true;
    uint64_t d = ticks(now_ns), m = period(mode, count);
    switch (mode) {
    case 0:
    case 1: return d >= m;
    case 2: return d % m != m - 1;  // low for the one tick before reload
    case 3: return d % m < (m + 1) / 2;
    default: return d != m;  // 4, 5: a one-tick strobe at terminal count
    }
}

uint64_t Pit8254::Channel::edges_until(uint64_t t) const {
    if (!running()) return 0;
    uint64_t m = period(mode, count);
    switch (mode) {
    case 0:
    case 1: return t >= m;
    case 2:
    case 3: return t / m;
    default: return t >= m + 1;
    }
}

uint64_t Pit8254::Channel::next_edge_after(uint64_t t) const {
    if (!running()) return NEVER;
    uint64_t m = period(mode, count);
    switch (mode) {
    case 0:
    case 1: return t < m ? m : NEVER;
    case 2:
    case 3: return (t / m + 1) * m;
    default: return t < m + 1 ? m + 1 : NEVER;
    }
}

void Pit8254::Channel::set_gate(bool level, uint64_t now_ns) {
    if (level == gate) return;
    uint64_t d = ticks(now_ns);
    gate = level;
    if (!loaded) return;
    switch (mode) {
    case 1:
    case 5:  // a rising gate (re)triggers; its level does not matter
        if (!level) return;
        triggered = true;
        base_ticks = edges_seen = 0;
        start_ns = now_ns;
        return;
    case 2:
    case 3:  // a low gate holds the count; a rising one reloads it
        if (level) base_ticks = edges_seen = 0;
        break;
    default: break;  // 0, 4: a low gate only holds the count
    }
    if (!level) base_ticks = d;
    counting = level;
    start_ns = now_ns;
}

void Pit8254::Channel::control(uint8_t value) {
    mode = value >> 1 & 7;
    if (mode > 5) mode -= 4;  // 6 and 7 are 2 and 3
    access = value >> 4 & 3;
    bcd = value & 1;
    loaded = triggered = false;
    write_msb_next = read_msb_next = latch_msb_next = false;
    count_latched = status_latched = false;
}

void Pit8254::Channel::latch_count(uint64_t now_ns) {
    if (count_latched) return;  // the first latch holds until it is read
    uint16_t v = value(now_ns);
    latch = bcd ? to_bcd(v) : v;
    count_latched = true;
    latch_msb_next = false;
}

void Pit8254::Channel::load(uint32_t raw, uint64_t now_ns) {
    count = bcd ? from_bcd(raw) % 10000 : raw;
    if (count == 0) count = bcd ? 10000 : 65536;
    loaded = true;
    triggered = false;
    counting = (mode == 1 || mode == 5) ? true : gate;
    start_ns = now_ns;
    base_ticks = edges_seen = 0;
}

uint8_t Pit8254::Channel::read_byte(uint64_t now_ns) {
    if (status_latched) {
        status_latched = false;
        return status;
    }
    uint16_t v;
    bool msb;
    if (count_latched) {
        v = latch;
        msb = access == 2 || (access == 3 && latch_msb_next);
        latch_msb_next = access == 3 && !latch_msb_next;
        if (!latch_msb_next) count_latched = false;
    } else {
        v = value(now_ns);
        if (bcd) v = to_bcd(v);
        msb = access == 2 || (access == 3 && read_msb_next);
        if (access == 3) read_msb_next = !read_msb_next;
    }
    return uint8_t(msb ? v >> 8 : v);
}

void Pit8254::Channel::write_byte(uint8_t value, uint64_t now_ns) {
    switch (access) {
    case 1: load(value, now_ns); return;
    case 2: load(uint32_t(value) << 8, now_ns); return;
    default:
        if (write_msb_next) {
            write_msb_next = false;
            load(write_low | uint32_t(value) << 8, now_ns);
            return;
        }
        write_low = value;
        write_msb_next = true;
        if (mode == 0) loaded = false;  // the first byte stops a one-shot and drops OUT
        return;
    }
}

uint8_t Pit8254::read(uint16_t port, uint64_t now_ns) {
    if (port >= 0x40 && port <= 0x42) return channel_[port - 0x40].read_byte(now_ns);
    if (port == 0x61) return uint8_t((port61_ & 0x0f) | (now_ns / REFRESH_NS & 1) << 4 | (out(2, now_ns) ? 0x20 : 0));
    return 0xff;  // 0x43 is write-only
}

void Pit8254::write(uint16_t port, uint8_t value, uint64_t now_ns) {
    if (port >= 0x40 && port <= 0x42) return channel_[port - 0x40].write_byte(value, now_ns);
    if (port == 0x61) {
        port61_ = value & 0x0f;
        channel_[2].set_gate(value & 1, now_ns);
        return;
    }
    if (port != 0x43) return;
    unsigned sc = value >> 6;
    if (sc == 3) {  // read-back: bit 5 clear latches counts, bit 4 clear latches status
        for (unsigned i = 0; i < 3; ++i) {
            if (!(value & (2u << i))) continue;
            Channel& c = channel_[i];
            if (!(value & 0x20)) c.latch_count(now_ns);
            if (!(value & 0x10) && !c.status_latched) {
                bool null_count = !c.running() || c.ticks(now_ns) == 0;
                c.status = uint8_t((c.out(now_ns) ? 0x80 : 0) | (null_count ? 0x40 : 0) | c.access << 4 | c.mode << 1 |
                                   (c.bcd ? 1 : 0));
                c.status_latched = true;
            }
        }
        return;
    }
    if ((value >> 4 & 3) == 0) return channel_[sc].latch_count(now_ns);
    channel_[sc].control(value);
}

bool Pit8254::out(unsigned channel, uint64_t now_ns) const { return channel < 3 && channel_[channel].out(now_ns); }

uint64_t Pit8254::irq0_edges(uint64_t now_ns) {
    Channel& c = channel_[0];
    uint64_t edges = c.edges_until(c.ticks(now_ns));
    if (edges <= c.edges_seen) return 0;
    uint64_t fresh = edges - c.edges_seen;
    c.edges_seen = edges;
    return fresh;
}

uint64_t Pit8254::next_irq0_ns(uint64_t now_ns) const {
    const Channel& c = channel_[0];
    if (!c.running() || !c.counting) return NEVER;
    uint64_t t = c.ticks(now_ns);
    if (c.edges_until(t) > c.edges_seen) return now_ns;  // due already, not yet asked for
    uint64_t edge = c.next_edge_after(t);
    if (edge == NEVER) return NEVER;
    uint64_t after = ns_for(edge - c.base_ticks);
    return after > NEVER - c.start_ns ? NEVER : c.start_ns + after;
}

}  // namespace keel::vmm::dev
