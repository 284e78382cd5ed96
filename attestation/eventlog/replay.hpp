// Replay: what each PCR must hold if the log is complete and true. Per bank
// and per PCR, extend (PCR = H(PCR || digest)) every event's digest in log
// order, starting from the reset value: all zeros, which for PCRs 17-22 is the
// value a dynamic launch leaves (Keel's logs are DRTM logs); PCR 0 starts at
// 00..0<locality> when an EV_NO_ACTION "StartupLocality" event precedes its
// first extend, or at 00..04 when its first event is an H-CRTM event.
// EV_NO_ACTION events are never extended.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "attestation/eventlog/log.hpp"

namespace keel::eventlog {

using PcrBank = std::map<std::uint32_t, Bytes>;  // PCR index -> value
using PcrValues = std::map<AlgorithmId, PcrBank>;  // bank -> PCRs

struct Replay {
    PcrValues pcrs;  // every bank replayed; in each, only the PCRs some event extends
    // (bank, PCR) pairs where an extending event carried no digest of that bank
    // (tboot's 0x501 events hold only SHA-256): such a bank's value cannot
    // match the TPM's.
    std::set<std::pair<AlgorithmId, std::uint32_t>> incomplete;
    // Banks the log declares that OpenSSL cannot compute (unknown algorithms).
    std::set<AlgorithmId> unsupported;
    std::uint8_t pcr0_locality = 0;  // the last byte of PCR 0's initial value
};

// Throws Error if OpenSSL fails.
Replay replay(const EventLog& log);

// The value a PCR starts from under the same rules, for PCRs no event extends.
Bytes initial_pcr_value(const Replay& replay, std::size_t digest_size, std::uint32_t pcr);

}  // namespace keel::eventlog
