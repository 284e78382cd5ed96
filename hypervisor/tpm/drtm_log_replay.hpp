// Replays a DRTM event log (TCG crypto-agile format, as the secure loader
// writes it) from the values PCR 17-22 take at a locality-4 reset: all zeros.
// The hypervisor compares the result with the PCRs it reads from the TPM
// before it claims a dynamic launch. The log lies in memory the unmeasured
// pre-launch stage could have written, so it is parsed like any other
// untrusted input: bounded, every length checked, fuzzed on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/tpm/tpm2_command.hpp"
#include "lib/status.hpp"

namespace keel::tpm {

constexpr uint32_t DRTM_FIRST_PCR = 17;
constexpr uint32_t DRTM_PCR_COUNT = 6;  // 17-22: what a locality-4 reset zeroes
constexpr size_t MAX_REPLAYED_EVENTS = 4096;

struct ReplayedBank {
    uint16_t alg;
    size_t size;
    uint8_t pcrs[DRTM_PCR_COUNT][MAX_DIGEST];
};

struct DrtmReplay {
    ReplayedBank banks[MAX_BANKS];
    size_t bank_count;
    size_t events;  // events that extended a PCR
    // Why parsing stopped, for the console; nullptr when it did not.
    const char* error;

    const ReplayedBank* bank(uint16_t alg) const;
};

// Ok with every declared bank replayed; Malformed or Truncated (and
// out.error set) for a log that is not a DRTM log Keel can replay: a header
// that is not Spec ID Event03, a bank Keel cannot hash, an event outside
// PCR 17-22, an event missing a declared bank's digest or carrying one twice.
Status replay_drtm_log(const uint8_t* log, size_t size, DrtmReplay& out);

}  // namespace keel::tpm
