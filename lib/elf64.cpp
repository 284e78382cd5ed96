#include "lib/elf64.hpp"

namespace keel::launch {
namespace {

constexpr uint32_t PT_LOAD = 1;
constexpr uint32_t PF_X = 1;
constexpr uint32_t PF_W = 2;
constexpr uint16_t ET_EXEC = 2;
constexpr uint16_t EM_X86_64 = 62;

template <typename T> T read(const uint8_t* p) {
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= T(p[i]) << (8 * i);
    return v;
}

}  // namespace

Status parse_elf64(const uint8_t* image, size_t size, ElfImage& out, ElfLimits limits) {
    out = {};
    if (size < 64) return Status::Truncated;
    if (!(image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F')) return Status::Malformed;
    if (image[4] != 2 || image[5] != 1) return Status::Unsupported;  // ELFCLASS64, little-endian
    if (read<uint16_t>(image + 16) != ET_EXEC || read<uint16_t>(image + 18) != EM_X86_64) return Status::Unsupported;
    uint64_t entry = read<uint64_t>(image + 24);
    uint64_t phoff = read<uint64_t>(image + 32);
    uint16_t phentsize = read<uint16_t>(image + 54);
    uint16_t phnum = read<uint16_t>(image + 56);
    if (phentsize < 56) return Status::Malformed;
    if (phoff > size || uint64_t(phnum) * phentsize > size - phoff) return Status::Truncated;

    bool entry_ok = false;
    for (uint16_t i = 0; i < phnum; ++i) {
        const uint8_t* ph = image + phoff + uint64_t(i) * phentsize;
        if (read<uint32_t>(ph) != PT_LOAD) continue;
        uint32_t flags = read<uint32_t>(ph + 4);
        Segment s{read<uint64_t>(ph + (limits.virtual_addresses ? 16 : 24)),
                  read<uint64_t>(ph + 8),
                  read<uint64_t>(ph + 32),
                  read<uint64_t>(ph + 40),
                  (flags & PF_X) != 0,
                  (flags & PF_W) != 0};
        if (s.mem_size == 0) continue;
        if (s.file_size > s.mem_size) return Status::Malformed;
        if (s.file_offset > size || s.file_size > size - s.file_offset) return Status::Truncated;
        if (s.paddr < limits.low || s.paddr >= limits.high || s.mem_size > limits.high - s.paddr)
            return Status::Unsupported;
        if (out.segment_count == ElfImage::MAX_SEGMENTS) return Status::Unsupported;
        if (s.executable && entry >= s.paddr && entry < s.paddr + s.mem_size) entry_ok = true;
        out.segments[out.segment_count++] = s;
    }
    if (out.segment_count == 0 || !entry_ok) return Status::Malformed;
    out.entry = entry;
    return Status::Ok;
}

}  // namespace keel::launch
