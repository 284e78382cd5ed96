// Errors of the event-log library. Host code reports failures as exceptions:
// every one the library throws derives from keel::eventlog::Error, so a caller
// can tell bad input (Error) from a bug (anything else).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace keel::eventlog {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The log bytes are malformed. what() names the record and the byte offset.
class ParseError : public Error {
public:
    ParseError(std::size_t record, std::size_t offset, const std::string& problem);
    std::size_t record() const { return record_; }
    std::size_t offset() const { return offset_; }

private:
    std::size_t record_;
    std::size_t offset_;
};

// Reference values or PCR values (JSON) are malformed.
class ReferenceError : public Error {
public:
    using Error::Error;
};

}  // namespace keel::eventlog
