// Writes a TCG PC Client "crypto-agile" event log: a SHA-1-format header
// event carrying the Spec ID Event03 structure (which algorithms, which
// digest sizes), then one TCG_PCR_EVENT2 record per measurement.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"
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
    // For data too large to stage elsewhere: where the next event's data
    // will lie and how many bytes fit there. Write the data in place, hash
    // it, then append_in_place() writes the record's header in front of it.
    uint8_t* data_slot(size_t& room) const;
    Status append_in_place(uint32_t pcr, uint32_t type, const DigestList& digests, size_t size);
    size_t size() const { return len_; }

private:
    void put(const void* p, size_t n);
    void put_u8(uint8_t v) { put(&v, 1); }
    void put_u16(uint16_t v);
    void put_u32(uint32_t v);
    size_t header_size() const;
    bool matches_banks(const DigestList& digests) const;

    uint8_t* buf_ = nullptr;
    size_t cap_ = 0;
    size_t len_ = 0;
    uint16_t algs_[MAX_BANKS] = {};
    size_t sizes_[MAX_BANKS] = {};
    size_t count_ = 0;
};

}  // namespace keel::tpm
