#include "attestation/eventlog/error.hpp"

namespace keel::eventlog {

ParseError::ParseError(std::size_t record, std::size_t offset, const std::string& problem)
    : Error("record " + std::to_string(record) + ", byte offset " + std::to_string(offset) + ": " + problem),
      record_(record), offset_(offset) {}

}  // namespace keel::eventlog
