// The handful of string helpers the kernel needs; usable on the host too, so
// code built on them (command-line parsing) is unit-tested there.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel {

struct StringView {
    const char* data = nullptr;
    size_t size = 0;

    constexpr StringView() = default;
    constexpr StringView(const char* d, size_t n) : data(d), size(n) {}
    constexpr StringView(const char* z) : data(z), size(0) {  // NOLINT: implicit from literals is intended
        while (z && z[size]) ++size;
    }
    constexpr bool empty() const { return size == 0; }
    constexpr char operator[](size_t i) const { return data[i]; }
    constexpr bool operator==(StringView o) const {
        if (size != o.size) return false;
        for (size_t i = 0; i < size; ++i)
            if (data[i] != o.data[i]) return false;
        return true;
    }
    constexpr bool starts_with(StringView p) const { return size >= p.size && StringView(data, p.size) == p; }
    constexpr StringView substr(size_t from, size_t n = SIZE_MAX) const {
        if (from > size) from = size;
        if (n > size - from) n = size - from;
        return {data + from, n};
    }
};

// Parses an unsigned number: decimal, or hexadecimal with a 0x prefix.
// Rejects empty input, stray characters and overflow.
// Command lines are words separated by spaces: is `word` one of them?
constexpr bool has_word(StringView line, StringView word) {
    for (size_t i = 0; i + word.size <= line.size; ++i) {
        bool starts = i == 0 || line[i - 1] == ' ';
        bool ends = i + word.size == line.size || line[i + word.size] == ' ';
        if (starts && ends && line.substr(i, word.size) == word) return true;
    }
    return false;
}

// Word `n` (0 first) of a command line; empty past the last one.
constexpr StringView nth_word(StringView line, unsigned n) {
    size_t i = 0;
    for (unsigned w = 0;; ++w) {
        while (i < line.size && line[i] == ' ') ++i;
        size_t start = i;
        while (i < line.size && line[i] != ' ') ++i;
        if (w == n || start == i) return line.substr(start, i - start);
    }
}

constexpr bool parse_u64(StringView s, uint64_t& out) {
    unsigned base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) {
        base = 16;
        s = s.substr(2);
    }
    if (s.empty()) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.size; ++i) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = unsigned(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = unsigned(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = unsigned(c - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base) return false;
        v = v * base + d;
    }
    out = v;
    return true;
}

}  // namespace keel
