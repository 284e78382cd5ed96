// SHA-256 (FIPS 180-4, section 6.2) without libc, heap or writable globals,
// so the secure loader and the kernel can both use it.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "block_buffer.hpp"

namespace keel::crypto {

class Sha256 {
public:
    static constexpr size_t DIGEST_SIZE = 32;
    static constexpr size_t BLOCK_SIZE = 64;

    Sha256() { init(); }
    // Starts a new message; finish() does this too.
    void init();
    // Any number of calls with any lengths, including 0.
    void update(const void* data, size_t size);
    // Writes the digest and resets the context for a new message.
    void finish(uint8_t out[DIGEST_SIZE]);

private:
    void compress(const uint8_t* block);

    uint32_t state_[8];
    BlockBuffer<BLOCK_SIZE, 8> blocks_;
};

}  // namespace keel::crypto
