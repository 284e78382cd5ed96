// libFuzzer target: the secure loader's ELF64 reader (the hypervisor module
// is untrusted until measured, and the SLB loads it) must return a status for
// any bytes, and accept only segments that lie inside the file and below 4 GiB.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "lib/elf64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> bytes(data, data + size);
    keel::launch::ElfImage elf;
    if (keel::launch::parse_elf64(bytes.data(), bytes.size(), elf) != keel::Status::Ok) return 0;
    bool entry_inside = false;
    for (size_t i = 0; i < elf.segment_count; ++i) {
        const auto& s = elf.segments[i];
        if (s.file_offset > size || s.file_size > size - s.file_offset || s.file_size > s.mem_size) abort();
        if (s.paddr + s.mem_size > (1ull << 32) || s.paddr + s.mem_size < s.paddr) abort();
        if (s.executable && elf.entry >= s.paddr && elf.entry < s.paddr + s.mem_size) entry_inside = true;
    }
    if (!entry_inside) abort();
    return 0;
}
