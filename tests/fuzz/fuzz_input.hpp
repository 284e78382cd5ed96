// The fuzzer's bytes read as a stream of values, most significant byte
// first; past the end every read is 0, so a short input is still a whole run.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keel::fuzz {

struct Input {
    const uint8_t* data;
    size_t size;
    uint8_t u8() {
        if (!size) return 0;
        --size;
        return *data++;
    }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = v << 8 | u8();
        return v;
    }
    uint64_t u64() {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = v << 8 | u8();
        return v;
    }
};

}  // namespace keel::fuzz
