// TPM Interface Specification (TIS 1.3 / PTP FIFO) driver: one locality,
// polled, no interrupts. Used by the secure loader at locality 2 and by the
// hypervisor at locality 0. Localities are 4 KiB pages from 0xFED40000; the
// hypervisor keeps 1-4 for itself (see tpm_mmio.hpp).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::tpm {

class Tis {
public:
    constexpr explicit Tis(uint8_t locality) : locality_(locality) {}

    // True if a TPM answers at the TIS address (DID_VID is not all ones).
    static bool present();
    static uint32_t vendor_device();

    Status request_locality();
    void release_locality();
    // Sends one command and reads its response; `resp_len` is what arrived.
    Status transmit(const uint8_t* cmd, size_t len, uint8_t* resp, size_t cap, size_t& resp_len);

private:
    volatile uint8_t* reg(uint32_t offset) const;
    uint8_t status() const;
    uint16_t burst_count() const;
    bool wait_status(uint8_t mask, uint8_t value) const;

    uint8_t locality_;
};

}  // namespace keel::tpm
