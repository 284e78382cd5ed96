#include "attestation/evidence/base64.hpp"

#include <openssl/evp.h>

namespace keel::evidence {
namespace {

bool is_alphabet(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// Index of a letter in the alphabet; only called on is_alphabet letters.
int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
}

}  // namespace

std::string to_base64(std::span<const std::uint8_t> bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    if (bytes.empty()) return out;
    // EVP_EncodeBlock writes exactly this many characters plus a NUL.
    std::string buffer(out.size() + 1, '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(buffer.data()), bytes.data(), static_cast<int>(bytes.size()));
    buffer.resize(out.size());
    return buffer;
}

std::optional<Bytes> from_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    for (std::size_t i = 0; i < text.size() - padding; ++i)
        if (!is_alphabet(text[i])) return std::nullopt;
    // Canonical form: the bits the padding leaves over must be zero.
    if (padding == 1 && (value_of(text[text.size() - 2]) & 0x03) != 0) return std::nullopt;
    if (padding == 2 && (value_of(text[text.size() - 3]) & 0x0f) != 0) return std::nullopt;
    Bytes out(text.size() / 4 * 3);
    if (text.empty()) return out;
    int n =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
    out.resize(out.size() - padding);
    return out;
}

}  // namespace keel::evidence
