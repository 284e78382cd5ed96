// Bounded little-endian reading of untrusted bytes. Every read checks the
// length first and throws a ParseError naming the record, the absolute byte
// offset and the field, so no caller does pointer arithmetic of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "attestation/eventlog/error.hpp"

namespace keel::eventlog {

class ByteReader {
public:
    // base: the absolute offset of bytes[0] in the log, for messages.
    ByteReader(std::span<const std::uint8_t> bytes, std::size_t record, std::size_t base = 0)
        : bytes_(bytes), base_(base), record_(record) {}

    std::size_t offset() const { return base_ + pos_; }
    std::size_t remaining() const { return bytes_.size() - pos_; }
    std::span<const std::uint8_t> rest() const { return bytes_.subspan(pos_); }
    void set_record(std::size_t record) { record_ = record; }
    std::size_t record() const { return record_; }

    [[noreturn]] void fail(const std::string& problem) const { throw ParseError(record_, offset(), problem); }
    [[noreturn]] void fail_at(std::size_t offset, const std::string& problem) const {
        throw ParseError(record_, offset, problem);
    }

    std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(little_endian(1, what)); }
    std::uint16_t u16(const char* what) { return static_cast<std::uint16_t>(little_endian(2, what)); }
    std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(little_endian(4, what)); }

    std::span<const std::uint8_t> take(std::size_t n, const char* what) {
        need(n, what);
        auto s = bytes_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

private:
    void need(std::size_t n, const char* what) const {
        if (n > remaining()) [[unlikely]]
            truncated(n, what);
    }

    // Out of line: building the message stays off the parser's hot path.
    [[noreturn, gnu::noinline, gnu::cold]] void truncated(std::size_t n, const char* what) const {
        fail(std::string("truncated ") + what + ": needs " + std::to_string(n) + " bytes, " +
             std::to_string(remaining()) + " left");
    }

    std::uint32_t little_endian(std::size_t n, const char* what) {
        need(n, what);
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v |= std::uint32_t{bytes_[pos_ + i]} << (8 * i);
        pos_ += n;
        return v;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t base_;
    std::size_t pos_ = 0;
    std::size_t record_;
};

}  // namespace keel::eventlog
