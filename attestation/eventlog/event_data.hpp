// Decoding of the event data layouts Keel relies on. A layout violation is a
// problem of that one event (Event::problem), not of the log: the record
// boundaries are intact, and the digests are what a verifier trusts anyway.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "attestation/eventlog/log.hpp"

namespace keel::eventlog {

// Fills Event::keel, Event::startup_locality or Event::problem from the data.
void decode_event_data(Event& event);

// True when the bytes are well-formed UTF-8 (no overlong forms, surrogates or
// code points beyond U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace keel::eventlog
