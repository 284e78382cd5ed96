#include "sha1.hpp"

namespace keel::crypto {
namespace {

// Section 5.3.1.
constexpr uint32_t IV[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

// Section 4.2.1: one constant per group of 20 rounds.
constexpr uint32_t K[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};

constexpr uint32_t rotl(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

}  // namespace

void Sha1::init() {
    for (int i = 0; i < 5; ++i) state_[i] = IV[i];
    blocks_.reset();
}

// Section 6.1.2, with the message schedule kept as a 16-word ring: W[t] only
// depends on W[t-3], W[t-8], W[t-14] and W[t-16].
void Sha1::compress(const uint8_t* block) {
    uint32_t w[16];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
    for (int t = 0; t < 80; ++t) {
        if (t >= 16) w[t & 15] = rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
        uint32_t f;  // section 4.1.1: Ch, Parity, Maj, Parity
        if (t < 20)
            f = (b & c) ^ (~b & d);
        else if (t < 40 || t >= 60)
            f = b ^ c ^ d;
        else
            f = (b & c) ^ (b & d) ^ (c & d);
        uint32_t temp = rotl(a, 5) + f + e + K[t / 20] + w[t & 15];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = temp;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
}

void Sha1::update(const void* data, size_t size) {
    blocks_.absorb(data, size, [this](const uint8_t* block) { compress(block); });
}

void Sha1::finish(uint8_t out[DIGEST_SIZE]) {
    blocks_.pad([this](const uint8_t* block) { compress(block); });
    for (int i = 0; i < 5; ++i) store_be32(out + 4 * i, state_[i]);
    init();
}

}  // namespace keel::crypto
