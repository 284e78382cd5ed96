// A 16550A UART (COM1: ports 0x3f8-0x3ff, IRQ 4) as Linux's 8250 driver
// probes and drives it. Output is instant: THR and the transmitter are always
// empty, so THRE and TEMT always read set. Input waits in the receive FIFO
// (16 bytes as on the chip, 1 with the FIFOs off); the VMM's receive() is told
// when it is full and keeps the byte, so nothing is lost and nothing grows.
//
// Ports are 8-bit; wider accesses are split by PortBus. The interrupt output
// is a level: the VMM reads irq_level() after each access or receive() and
// feeds the interrupt controller. Pure: unit-tested on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::vmm::dev {

class Uart16550 {
public:
    static constexpr uint16_t COM1_BASE = 0x3f8;
    static constexpr unsigned COM1_IRQ = 4;
    static constexpr size_t FIFO_SIZE = 16;
    using Transmit = void (*)(uint8_t byte, void* ctx);

    Uart16550(Transmit transmit, void* ctx) : transmit_(transmit), ctx_(ctx) {}

    // port: the register's offset from the base (0-7) or the full port;
    // only its low three bits count.
    uint8_t read(uint16_t port);
    void write(uint16_t port, uint8_t value);

    // A byte from the host for the guest; false when the FIFO is full.
    bool receive(uint8_t byte);
    bool irq_level() const;
    size_t rx_queued() const { return rx_count_; }

private:
    uint8_t interrupt_id() const;  // IIR's bits 3-0: the highest-priority cause
    uint8_t modem_inputs() const;  // MSR's bits 7-4 as the lines stand now
    void set_modem_inputs(uint8_t before);
    bool fifo_on() const { return fcr_ & 1; }
    size_t rx_capacity() const { return fifo_on() ? FIFO_SIZE : 1; }
    size_t rx_trigger() const;
    void rx_push(uint8_t byte);  // into the FIFO, or an overrun when full
    uint8_t rx_pop();

    Transmit transmit_;
    void* ctx_;
    uint8_t rx_[FIFO_SIZE] = {};
    size_t rx_head_ = 0, rx_count_ = 0;
    uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, fcr_ = 0, scr_ = 0;
    uint8_t dll_ = 12, dlm_ = 0;  // 9600 baud, as a BIOS leaves it
    uint8_t lsr_errors_ = 0;  // overrun etc., until LSR is read
    uint8_t msr_delta_ = 0;  // MSR's bits 3-0, until MSR is read
    uint8_t last_rbr_ = 0;
    bool thr_interrupt_ = false;  // the THRE interrupt, pending until IIR reports it or THR is written
};

}  // namespace keel::vmm::dev
