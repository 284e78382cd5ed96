// A reference component marked host-specific (the memory map: every host
// has its own) pins no detail and no digest. What the log says the host
// measured must still be what extended the PCR, or the detail a verifier
// shows would be the log's word only: the event's digest in each bank
// checked must be the hash of its detail, as the SLB computes it.
#pragma once

#include <string>
#include <vector>

#include "attestation/eventlog/log.hpp"

namespace keel::eventlog {

// "" when the Keel event's digest in every bank of `banks` is H(detail);
// else why not, naming the bank.
std::string detail_digest_problem(const Event& e, const std::vector<AlgorithmId>& banks);

}  // namespace keel::eventlog
