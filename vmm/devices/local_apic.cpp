#include "vmm/devices/local_apic.hpp"

namespace keel::vmm::dev {
namespace {

// The bits a guest may write in each LVT entry (SDM Vol. 3A, "Local Vector Table");
// delivery status (bit 12) and LINT's remote IRR (bit 14) are read-only.
// The timer's mode field includes TSC deadline (bit 18): it is kept as
// written but never arms the timer, CPUID does not offer it.
constexpr uint32_t LVT_WRITABLE[6] = {
    0x000700ff,  // timer: vector, mask, mode
    0x000107ff,  // thermal: vector, delivery mode, mask
    0x000107ff,  // performance counters
    0x0001a7ff,  // LINT0: vector, delivery mode, polarity, trigger mode, mask
    0x0001a7ff,  // LINT1
    0x000100ff,  // error: vector, mask
};
// ICR: vector, delivery mode, destination mode, level, trigger mode,
// shorthand; delivery status reads idle, a message leaves at once.
constexpr uint32_t ICR_LOW_WRITABLE = 0x000ccfff;
constexpr uint32_t DESTINATION_FIELD = 0xff000000;
// SVR: vector, APIC software enable, focus processor checking. Suppressing
// EOI broadcasts (bit 12) is not offered in the version register.
constexpr uint32_t SVR_WRITABLE = 0x3ff;
constexpr uint32_t DFR_MODEL = 0xf0000000, DFR_RESERVED_ONES = 0x0fffffff;
constexpr uint32_t DFR_FLAT = 0xf0000000;

void set_bit(uint32_t* bits, uint8_t v) { bits[v >> 5] |= 1u << (v & 31); }
void clear_bit(uint32_t* bits, uint8_t v) { bits[v >> 5] &= ~(1u << (v & 31)); }
bool test_bit(const uint32_t* bits, uint8_t v) { return bits[v >> 5] >> (v & 31) & 1; }

// The highest vector set in a 256-bit register, or -1.
int highest(const uint32_t* bits) {
    for (int i = 7; i >= 0; --i)
        if (bits[i]) return i * 32 + 31 - __builtin_clz(bits[i]);
    return -1;
}

uint8_t priority_class(int vector) { return vector < 0 ? 0 : uint8_t(vector & 0xf0); }

}  // namespace

void LocalApic::reset() {
    tpr_ = ldr_ = 0;
    dfr_ = ~0u;
    svr_ = 0xff;  // software-disabled, spurious vector 0xff
    for (unsigned i = 0; i < 8; ++i) irr_[i] = isr_[i] = tmr_[i] = 0;
    esr_ = errors_ = 0;
    icr_low_ = icr_high_ = 0;
    for (uint32_t& lvt : lvt_) lvt = LVT_MASKED;
    timer_initial_ = timer_divide_ = 0;
    timer_armed_ = false;
    timer_start_ns_ = timer_start_ticks_ = timer_expiries_seen_ = 0;
}

uint8_t LocalApic::ppr() const {
    uint8_t isrv = priority_class(highest(isr_));
    return (tpr_ & 0xf0) >= isrv ? uint8_t(tpr_) : isrv;
}

// SDM Vol. 3A, "Arbitration Priority Register": the TPR where it
// wins over both the highest requested and the highest in-service class.
uint8_t LocalApic::apr() const {
    uint8_t tpr_class = tpr_ & 0xf0, irrv = priority_class(highest(irr_)), isrv = priority_class(highest(isr_));
    if (tpr_class >= irrv && tpr_class > isrv) return uint8_t(tpr_);
    uint8_t top = tpr_class > isrv ? tpr_class : isrv;
    return top > irrv ? top : irrv;
}

bool LocalApic::accept(uint8_t vector, bool level_triggered) {
    if (vector < 16) {
        error(ESR_RECEIVE_ILLEGAL_VECTOR);
        return false;
    }
    if (!software_enabled()) return false;
    set_bit(irr_, vector);
    // The TMR records the trigger mode until EOI says whether the I/O APIC
    // must hear of it.
    if (level_triggered)
        set_bit(tmr_, vector);
    else
        clear_bit(tmr_, vector);
    return true;
}

int LocalApic::pending_vector() const {
    int v = highest(irr_);
    if (v < 0 || priority_class(v) <= (ppr() & 0xf0)) return -1;
    return v;
}

bool LocalApic::acknowledge(uint8_t vector) {
    if (!test_bit(irr_, vector)) return false;
    clear_bit(irr_, vector);
    set_bit(isr_, vector);
    return true;
}

LocalApic::Eoi LocalApic::eoi() {
    int v = highest(isr_);
    if (v < 0) return {};
    clear_bit(isr_, uint8_t(v));
    return {true, uint8_t(v), test_bit(tmr_, uint8_t(v))};
}

void LocalApic::error(uint32_t bits) {
    errors_ |= bits;
    // The error interrupt, if unmasked with a legal vector: set directly, not
    // through accept(), so that an illegal error vector cannot recurse.
    uint32_t lvt = lvt_[ERROR];
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
        set_bit(irr_, uint8_t(lvt));
        clear_bit(tmr_, uint8_t(lvt));
    }
}

bool LocalApic::matches(uint8_t destination, bool logical) const {
    if (destination == 0xff) return true;  // broadcast in either mode
    if (!logical) return destination == id();
    uint8_t ldr = uint8_t(ldr_ >> 24);
    if ((dfr_ & DFR_MODEL) == DFR_FLAT) return (ldr & destination) != 0;
    // Cluster: the high nibble names the cluster, the low one its members.
    return (ldr >> 4) == (destination >> 4) && (ldr & destination & 0x0f) != 0;
}

bool LocalApic::addressed_by(const ApicMessage& m, bool is_sender) const {
    switch (m.shorthand) {
    case Shorthand::SELF: return is_sender;
    case Shorthand::ALL_INCLUDING_SELF: return true;
    case Shorthand::ALL_EXCLUDING_SELF: return !is_sender;
    default: return matches(m.destination, m.logical);
    }
}

bool LocalApic::extint_through_lint0() const { return !lint_masked(0) && lint_mode(0) == DeliveryMode::EXTINT; }

DeliveryMode LocalApic::lint_mode(unsigned pin) const { return DeliveryMode(lvt_[pin ? LINT1 : LINT0] >> 8 & 7); }

bool LocalApic::lint_masked(unsigned pin) const { return lvt_[pin ? LINT1 : LINT0] & LVT_MASKED; }

uint32_t LocalApic::read(uint32_t offset, unsigned size, uint64_t now_ns) {
    if ((size != 1 && size != 2 && size != 4) || offset >= SIZE) return 0;
    advance(now_ns);
    unsigned within = offset & 0xf;
    bool implemented = true;
    uint32_t value = read_register(offset & ~0xfu, now_ns, implemented);
    if (!implemented) error(ESR_ILLEGAL_REGISTER);
    if (within + size > 4) return 0;  // bytes 4-15 of a register's slot
    value >>= 8 * within;
    return size == 4 ? value : value & ((1u << (8 * size)) - 1);
}

uint32_t LocalApic::read_register(uint32_t offset, uint64_t now_ns, bool& implemented) {
    if (offset >= ISR && offset < ESR) {
        unsigned i = (offset - ISR) >> 4 & 7;
        return offset < TMR ? isr_[i] : offset < IRR ? tmr_[i] : irr_[i];
    }
    if (offset >= LVT_TIMER && offset <= LVT_ERROR) return lvt_[(offset - LVT_TIMER) >> 4];
    switch (offset) {
    case ID: return id_register_;
    case VERSION_REGISTER: return VERSION;
    case TPR: return tpr_;
    case APR: return apr();
    case PPR: return ppr();
    case EOI:  // write-only
    case RRD: return 0;  // remote read is not offered: never valid
    case LDR: return ldr_;
    case DFR: return dfr_;
    case SVR: return svr_;
    case ESR: return esr_;
    case ICR_LOW: return icr_low_;
    case ICR_HIGH: return icr_high_;
    case TIMER_INITIAL: return timer_initial_;
    case TIMER_CURRENT: return timer_current(now_ns);
    case TIMER_DIVIDE: return timer_divide_;
    default: implemented = false; return 0;
    }
}

LocalApic::Effect LocalApic::write(uint32_t offset, unsigned size, uint32_t value, uint64_t now_ns) {
    if (size != 4 || offset >= SIZE || offset & 0xf) return {};
    advance(now_ns);
    return write_register(offset, value, now_ns);
}

LocalApic::Effect LocalApic::write_register(uint32_t offset, uint32_t value, uint64_t now_ns) {
    if (offset >= LVT_TIMER && offset <= LVT_ERROR) {
        write_lvt((offset - LVT_TIMER) >> 4, value, now_ns);
        return {};
    }
    // Read-only registers ignore writes.
    if ((offset >= ISR && offset < ESR) || offset == VERSION_REGISTER || offset == APR || offset == PPR ||
        offset == RRD || offset == TIMER_CURRENT)
        return {};
    switch (offset) {
    case ID: id_register_ = value & DESTINATION_FIELD; return {};
    case TPR: tpr_ = value & 0xff; return {};
    case EOI: {
        Effect e;
        e.kind = Effect::EOI;
        e.eoi = eoi();
        return e.eoi.done ? e : Effect{};
    }
    case LDR: ldr_ = value & DESTINATION_FIELD; return {};
    case DFR: dfr_ = (value & DFR_MODEL) | DFR_RESERVED_ONES; return {};
    case SVR: write_svr(value); return {};
    case ESR:  // write to update: the errors since the last write become readable
        esr_ = errors_;
        errors_ = 0;
        return {};
    case ICR_HIGH: icr_high_ = value & DESTINATION_FIELD; return {};
    case ICR_LOW: return write_icr(value);
    case TIMER_INITIAL: write_timer_initial(value, now_ns); return {};
    case TIMER_DIVIDE: write_timer_divide(value, now_ns); return {};
    default: error(ESR_ILLEGAL_REGISTER); return {};
    }
}

void LocalApic::write_svr(uint32_t value) {
    svr_ = value & SVR_WRITABLE;
    // Software-disabling masks every LVT entry (SDM Vol. 3A, "Local APIC State
    // After It Has Been Software Disabled").
    if (!software_enabled())
        for (uint32_t& lvt : lvt_) lvt |= LVT_MASKED;
}

void LocalApic::write_lvt(unsigned index, uint32_t value, uint64_t now_ns) {
    value &= LVT_WRITABLE[index];
    if (!software_enabled()) value |= LVT_MASKED;  // masked until the APIC is enabled again
    if (index == TIMER) return write_lvt_timer(value, now_ns);
    lvt_[index] = value;
}

LocalApic::Effect LocalApic::write_icr(uint32_t value) {
    icr_low_ = value & ICR_LOW_WRITABLE;
    ApicMessage m;
    m.vector = uint8_t(value);
    m.mode = DeliveryMode(value >> 8 & 7);
    m.logical = value >> 11 & 1;
    m.asserted = value >> 14 & 1;
    m.level_triggered = value >> 15 & 1;
    m.shorthand = Shorthand(value >> 18 & 3);
    m.destination = uint8_t(icr_high_ >> 24);
    m.source = id();
    if (unsigned(m.mode) == 3) return {};  // reserved: nothing is sent
    // A fixed message with vector 0-15 is the sender's error (the ESR's send
    // illegal vector) and does not leave.
    if ((m.mode == DeliveryMode::FIXED || m.mode == DeliveryMode::LOWEST_PRIORITY) && m.vector < 16) {
        error(ESR_SEND_ILLEGAL_VECTOR);
        return {};
    }
    Effect e;
    e.kind = Effect::IPI;
    e.ipi = m;
    return e;
}

}  // namespace keel::vmm::dev
