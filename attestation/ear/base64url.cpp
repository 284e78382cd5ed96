#include "attestation/ear/base64url.hpp"

namespace keel::ear {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

}  // namespace

std::string to_base64url(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::uint32_t bits = 0;
    int held = 0;
    for (auto b : bytes) {
        bits = (bits << 8) | b;
        held += 8;
        while (held >= 6) {
            held -= 6;
            out.push_back(alphabet[(bits >> held) & 0x3f]);
        }
    }
    if (held > 0) out.push_back(alphabet[(bits << (6 - held)) & 0x3f]);
    return out;
}

std::optional<Bytes> from_base64url(std::string_view text) {
    // One character left over carries 6 bits: less than a byte.
    if (text.size() % 4 == 1) return std::nullopt;
    Bytes out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t bits = 0;
    int held = 0;
    for (char c : text) {
        const int v = value_of(c);
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        held += 6;
        if (held >= 8) {
            held -= 8;
            out.push_back(static_cast<std::uint8_t>((bits >> held) & 0xff));
        }
    }
    // Canonical form: the bits after the last whole byte must be zero.
    if (held > 0 && (bits & ((1u << held) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace keel::ear
