// What SHA-1, SHA-256 and SHA-384/512 share (FIPS 180-4, sections 5.1 and
// 6.x): collecting message bytes into whole blocks for the algorithm's
// compression function, and the final padding: a 1 bit, zeros, then the
// message length in bits, big-endian, in the block's last LENGTH_FIELD bytes.
// A template, so each compression call stays a direct one: no function
// pointers, which the position-independent secure loader could not hold.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::crypto {

inline uint32_t load_be32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
inline uint64_t load_be64(const uint8_t* p) { return uint64_t(load_be32(p)) << 32 | load_be32(p + 4); }
inline void store_be32(uint8_t* p, uint32_t v) {
    for (int i = 3; i >= 0; --i, v >>= 8) p[i] = uint8_t(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
    store_be32(p, uint32_t(v >> 32));
    store_be32(p + 4, uint32_t(v));
}

template <size_t BLOCK, size_t LENGTH_FIELD> class BlockBuffer {
    static_assert(LENGTH_FIELD == 8 || LENGTH_FIELD == 16);

public:
    void reset() { length_ = 0; }

    // Any number of calls with any lengths, including 0; `compress(block)`
    // runs for every whole block.
    template <typename Compress> void absorb(const void* data, size_t size, Compress compress) {
        const uint8_t* p = static_cast<const uint8_t*>(data);
        size_t used = length_ % BLOCK;
        length_ += size;
        if (used) {
            while (size && used < BLOCK) {
                buffer_[used++] = *p++;
                --size;
            }
            if (used < BLOCK) return;
            compress(buffer_);
        }
        for (; size >= BLOCK; size -= BLOCK, p += BLOCK) compress(p);
        for (size_t i = 0; i < size; ++i) buffer_[i] = p[i];
    }

    // Pads the message and compresses the last block (or two).
    template <typename Compress> void pad(Compress compress) {
        size_t used = length_ % BLOCK;
        buffer_[used++] = 0x80;
        if (used > BLOCK - LENGTH_FIELD) {
            while (used < BLOCK) buffer_[used++] = 0;
            compress(buffer_);
            used = 0;
        }
        while (used < BLOCK - 8) buffer_[used++] = 0;
        // The length in bits, as a 64- or 128-bit number (bytes are counted
        // in 64 bits, so the top of a 128-bit field holds their top 3 bits).
        if (LENGTH_FIELD == 16) store_be64(buffer_ + BLOCK - 16, length_ >> 61);
        store_be64(buffer_ + BLOCK - 8, length_ << 3);
        compress(buffer_);
    }

private:
    uint64_t length_ = 0;  // message bytes so far
    uint8_t buffer_[BLOCK];
};

}  // namespace keel::crypto
