// Reference values: what a correct launch records, as `keel measure` writes
// them (JSON, "format": "keel-reference-values", "version": 1):
//   {"components": [{"index", "name", "pcr", "event_type", "detail",
//                    "digests": {"sha256": "<hex>", ...}}, ...],
//    "pcrs": {"sha256": {"17": "<hex>", ...}, ...}}
// A component may instead be {"index", "name", "pcr", "event_type",
// "host_specific": true}: each host measures its own (only the memory map
// is), so no detail or digest is pinned, and the PCR it extends is left out
// of "pcrs". See host_specific.hpp for what is still checked.
// The "pcrs" shape alone is also how PCR values read from a TPM are given.
// Both parsers validate everything and throw ReferenceError naming the member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "attestation/eventlog/log.hpp"
#include "attestation/eventlog/replay.hpp"

namespace keel::eventlog {

struct ReferenceComponent {
    std::size_t index = 0;  // position among the log's Keel events
    std::string name;
    std::uint32_t pcr = 0;
    EventType event_type = 0;
    bool host_specific = false;  // then detail and digests are empty
    std::string detail;
    std::map<AlgorithmId, Bytes> digests;  // at least one bank, unless host-specific
};

struct ReferenceValues {
    std::vector<ReferenceComponent> components;  // in index order
    PcrValues pcrs;  // may be empty
};

ReferenceValues parse_reference_values(std::string_view json_text);
PcrValues parse_pcr_values(std::string_view json_text);

}  // namespace keel::eventlog
