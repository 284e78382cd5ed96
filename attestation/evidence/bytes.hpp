// The byte strings every attestation structure is made of, and the error
// every parser of untrusted evidence throws.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace keel::evidence {

using Bytes = std::vector<std::uint8_t>;

// Untrusted bytes are malformed. what() names the structure and the problem,
// e.g. "TPMS_ATTEST: 3 bytes after the end of the structure".
class ParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace keel::evidence
