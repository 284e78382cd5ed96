// Writes a TCG PC Client "crypto-agile" event log: a SHA-1-format header
// event carrying the Spec ID Event03 structure (which algorithms, which
// digest sizes), then one TCG_PCR_EVENT2 record per measurement.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../lib/status.hpp"
#include "tpm2_command.hpp"

namespace keel::tpm {

constexpr uint32_t EV_NO_ACTION = 3;

class EventLogWriter {
public:
    // Starts the log in `buf` for the banks in `digests` order: `algs` and
    // `sizes` name each bank's algorithm and digest size.
    Status init(uint8_t* buf, size_t cap, const uint16_t* algs, const size_t* sizes, size_t count);
    // Appends one event; `digests` holds one digest per bank, in init() order.
    Status append(uint32_t pcr, uint32_t type, const DigestList& digests, const uint8_t* data, size_t size);
    size_t size() const { return len_; }

private:
    void put(const void* p, size_t n);
    void put_u8(uint8_t v) { put(&v, 1); }
    void put_u16(uint16_t v);
    void put_u32(uint32_t v);

    uint8_t* buf_ = nullptr;
    size_t cap_ = 0;
    size_t len_ = 0;
    uint16_t algs_[MAX_BANKS] = {};
    size_t sizes_[MAX_BANKS] = {};
    size_t count_ = 0;
};

}  // namespace keel::tpm
