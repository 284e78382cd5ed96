#include "vmm/devices/uart16550.hpp"

namespace keel::vmm::dev {

namespace {
enum : uint8_t {
    RBR_THR = 0,
    IER = 1,
    IIR_FCR = 2,
    LCR = 3,
    MCR = 4,
    LSR = 5,
    MSR = 6,
    SCR = 7,
};
constexpr uint8_t IER_RX = 1, IER_THRE = 2, IER_LINE = 4, IER_MODEM = 8;
constexpr uint8_t LCR_DLAB = 0x80;
constexpr uint8_t MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 0x10;
constexpr uint8_t LSR_DR = 1, LSR_OE = 2, LSR_THRE = 0x20, LSR_TEMT = 0x40;
constexpr uint8_t MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;
constexpr uint8_t IIR_NONE = 1, IIR_MODEM = 0, IIR_THRE = 2, IIR_RX = 4, IIR_LINE = 6, IIR_RX_TIMEOUT = 0xc;
}  // namespace

size_t Uart16550::rx_trigger() const {
    constexpr size_t LEVELS[4] = {1, 4, 8, 14};
    return fifo_on() ? LEVELS[fcr_ >> 6] : 1;
}

// Outside loopback a terminal is attached: carrier, data set ready and clear
// to send, so a driver that waits for them (or for CTS flow control) goes on.
uint8_t Uart16550::modem_inputs() const {
    if (!(mcr_ & MCR_LOOP)) return MSR_DCD | MSR_DSR | MSR_CTS;
    uint8_t m = 0;
    if (mcr_ & MCR_RTS) m |= MSR_CTS;
    if (mcr_ & MCR_DTR) m |= MSR_DSR;
    if (mcr_ & MCR_OUT1) m |= MSR_RI;
    if (mcr_ & MCR_OUT2) m |= MSR_DCD;
    return m;
}

void Uart16550::set_modem_inputs(uint8_t before) {
    uint8_t now = modem_inputs(), changed = before ^ now;
    if (changed & MSR_CTS) msr_delta_ |= 1;
    if (changed & MSR_DSR) msr_delta_ |= 2;
    if ((before & MSR_RI) && !(now & MSR_RI)) msr_delta_ |= 4;  // trailing edge only
    if (changed & MSR_DCD) msr_delta_ |= 8;
}

void Uart16550::rx_push(uint8_t byte) {
    if (rx_count_ == rx_capacity()) {
        lsr_errors_ |= LSR_OE;
        return;
    }
    rx_[(rx_head_ + rx_count_++) % FIFO_SIZE] = byte;
}

uint8_t Uart16550::rx_pop() {
    if (rx_count_) {
        last_rbr_ = rx_[rx_head_];
        rx_head_ = (rx_head_ + 1) % FIFO_SIZE;
        --rx_count_;
    }
    return last_rbr_;
}

bool Uart16550::receive(uint8_t byte) {
    if (rx_count_ == rx_capacity()) return false;
    rx_push(byte);
    return true;
}

// The datasheet's priority: line status, received data (or its time-out),
// THR empty, modem status. Data below the FIFO's trigger level reports the
// character time-out at once: the chip waits four character times first,
// but no guest can tell a fast line from a slow one.
uint8_t Uart16550::interrupt_id() const {
    if ((ier_ & IER_LINE) && lsr_errors_) return IIR_LINE;
    if ((ier_ & IER_RX) && rx_count_) return rx_count_ >= rx_trigger() ? IIR_RX : IIR_RX_TIMEOUT;
    if ((ier_ & IER_THRE) && thr_interrupt_) return IIR_THRE;
    if ((ier_ & IER_MODEM) && msr_delta_) return IIR_MODEM;
    return IIR_NONE;
}

// On a PC the UART's interrupt reaches the PIC only through a buffer enabled
// by OUT2, which Linux sets when it opens the port; in loopback the chip
// holds its outputs inactive, OUT2 included.
bool Uart16550::irq_level() const { return (mcr_ & MCR_OUT2) && !(mcr_ & MCR_LOOP) && interrupt_id() != IIR_NONE; }

uint8_t Uart16550::read(uint16_t port) {
    switch (port & 7) {
    case RBR_THR: return (lcr_ & LCR_DLAB) ? dll_ : rx_pop();
    case IER: return (lcr_ & LCR_DLAB) ? dlm_ : ier_;
    case IIR_FCR: {
        uint8_t id = interrupt_id();
        // Reading IIR acknowledges the THRE interrupt when it is what IIR reports.
        if (id == IIR_THRE) thr_interrupt_ = false;
        return uint8_t(id | (fifo_on() ? 0xc0 : 0));
    }
    case LCR: return lcr_;
    case MCR: return mcr_;
    case LSR: {
        uint8_t lsr = uint8_t(LSR_THRE | LSR_TEMT | lsr_errors_ | (rx_count_ ? LSR_DR : 0));
        lsr_errors_ = 0;
        return lsr;
    }
    case MSR: {
        uint8_t msr = uint8_t(modem_inputs() | msr_delta_);
        msr_delta_ = 0;
        return msr;
    }
    default: return scr_;
    }
}

void Uart16550::write(uint16_t port, uint8_t value) {
    switch (port & 7) {
    case RBR_THR:
        if (lcr_ & LCR_DLAB) {
            dll_ = value;
            return;
        }
        // Written, sent at once, empty again: the THRE interrupt is
        // acknowledged and raised anew, as when a real THR drains.
        if (mcr_ & MCR_LOOP)
            rx_push(value);
        else
            transmit_(value, ctx_);
        thr_interrupt_ = true;
        return;
    case IER:
        if (lcr_ & LCR_DLAB) {
            dlm_ = value;
            return;
        }
        // Enabling THRE with THR empty makes it pending at once; Linux's
        // start-up test (UART_BUG_THRE, UART_BUG_TXEN) toggles IER and checks.
        if ((value & IER_THRE) && !(ier_ & IER_THRE)) thr_interrupt_ = true;
        ier_ = value & 0x0f;
        return;
    case IIR_FCR:
        // Switching the FIFOs on or off empties them, as do the reset bits.
        if (((value ^ fcr_) & 1) || (value & 2)) rx_head_ = rx_count_ = 0;
        fcr_ = value & 0xc1;
        return;
    case LCR: lcr_ = value; return;
    case MCR: {
        uint8_t before = modem_inputs();
        mcr_ = value & 0x1f;
        set_modem_inputs(before);
        return;
    }
    case LSR:
    case MSR: return;  // read-only; a factory test register on some chips
    default: scr_ = value; return;
    }
}

}  // namespace keel::vmm::dev
