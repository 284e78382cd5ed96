// SHA-512 and SHA-384 (FIPS 180-4, sections 6.4 and 6.5) without libc, heap
// or writable globals. Both run the same engine; SHA-384 starts from its own
// initial hash value and keeps the first 48 bytes of the result.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "block_buffer.hpp"

namespace keel::crypto {

namespace detail {

class Sha512Engine {
public:
    static constexpr size_t BLOCK_SIZE = 128;

    // Any number of calls with any lengths, including 0.
    void update(const void* data, size_t size);

protected:
    Sha512Engine() = default;
    void start(const uint64_t iv[8]);
    // Pads, writes the first out_size (<= 64) bytes of the result, then starts
    // again from iv.
    void finish(uint8_t* out, size_t out_size, const uint64_t iv[8]);

private:
    void compress(const uint8_t* block);

    uint64_t state_[8];
    BlockBuffer<BLOCK_SIZE, 16> blocks_;
};

}  // namespace detail

class Sha512 : public detail::Sha512Engine {
public:
    static constexpr size_t DIGEST_SIZE = 64;

    Sha512() { init(); }
    // Starts a new message; finish() does this too.
    void init();
    // Writes the digest and resets the context for a new message.
    void finish(uint8_t out[DIGEST_SIZE]);
};

class Sha384 : public detail::Sha512Engine {
public:
    static constexpr size_t DIGEST_SIZE = 48;

    Sha384() { init(); }
    // Starts a new message; finish() does this too.
    void init();
    // Writes the digest and resets the context for a new message.
    void finish(uint8_t out[DIGEST_SIZE]);
};

}  // namespace keel::crypto
