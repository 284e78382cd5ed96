// The ELF64 reader's own bounds, on images built here: a segment must lie in
// the image and inside the caller's limits (the SLB loads the hypervisor
// below 4 GiB, the kernel loads the root task into the user half). A module
// is untrusted: either bound gone, and the loader copies bytes it never
// measured or writes over memory it must keep.
#include "lib/elf64.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "abi/layout.hpp"

using keel::Status;
using keel::launch::ElfImage;
using keel::launch::ElfLimits;
using keel::launch::parse_elf64;

namespace {

constexpr uint64_t HEADER = 64, PHDR = 56, CODE = 0x100;
constexpr uint64_t LOAD_AT = 0x100000;

template <typename T> void put(std::vector<uint8_t>& b, size_t at, T v) {
    for (size_t i = 0; i < sizeof(T); ++i) b[at + i] = uint8_t(uint64_t(v) >> (8 * i));
}

// An x86-64 executable with one PT_LOAD RX segment of CODE bytes at `paddr`
// (file offset HEADER + PHDR), its entry at the segment's start.
std::vector<uint8_t> image(uint64_t paddr = LOAD_AT, uint64_t file_size = CODE, uint64_t mem_size = CODE) {
    std::vector<uint8_t> b(HEADER + PHDR + CODE, 0x90);
    std::memset(b.data(), 0, HEADER + PHDR);
    const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    std::memcpy(b.data(), ident, sizeof ident);
    put<uint16_t>(b, 16, 2);  // ET_EXEC
    put<uint16_t>(b, 18, 62);  // EM_X86_64
    put<uint64_t>(b, 24, paddr);  // entry
    put<uint64_t>(b, 32, HEADER);  // phoff
    put<uint16_t>(b, 52, HEADER);
    put<uint16_t>(b, 54, PHDR);
    put<uint16_t>(b, 56, 1);  // phnum
    const size_t ph = HEADER;
    put<uint32_t>(b, ph, 1);  // PT_LOAD
    put<uint32_t>(b, ph + 4, 5);  // R+X
    put<uint64_t>(b, ph + 8, HEADER + PHDR);  // offset
    put<uint64_t>(b, ph + 16, paddr);  // vaddr
    put<uint64_t>(b, ph + 24, paddr);  // paddr
    put<uint64_t>(b, ph + 32, file_size);
    put<uint64_t>(b, ph + 40, mem_size);
    return b;
}

Status parse(const std::vector<uint8_t>& b, ElfLimits limits = keel::launch::BELOW_4G_PHYSICAL) {
    ElfImage elf;
    return parse_elf64(b.data(), b.size(), elf, limits);
}

TEST(Elf64, ReadsAWellFormedImage) {
    auto b = image();
    ElfImage elf;
    ASSERT_EQ(parse_elf64(b.data(), b.size(), elf), Status::Ok);
    ASSERT_EQ(elf.segment_count, 1u);
    EXPECT_EQ(elf.segments[0].paddr, LOAD_AT);
    EXPECT_EQ(elf.segments[0].file_offset, HEADER + PHDR);
    EXPECT_EQ(elf.entry, LOAD_AT);
}

TEST(Elf64, ASegmentsBytesMustLieInsideTheImage) {
    auto b = image(LOAD_AT, CODE + 1, CODE + 1);  // one byte more than the file holds
    EXPECT_EQ(parse(b), Status::Truncated);
    b = image();
    b.resize(b.size() - 1);  // the image cut inside its segment
    EXPECT_EQ(parse(b), Status::Truncated);
    b = image();
    put<uint64_t>(b, HEADER + 8, ~uint64_t(0) - 8);  // an offset that wraps
    EXPECT_EQ(parse(b), Status::Truncated);
}

TEST(Elf64, ASegmentMustLieInsideTheLimits) {
    const ElfLimits window{LOAD_AT, LOAD_AT + 0x1000, false};
    EXPECT_EQ(parse(image(), window), Status::Ok);
    EXPECT_EQ(parse(image(LOAD_AT - 0x1000), window), Status::Unsupported) << "below the window";
    EXPECT_EQ(parse(image(LOAD_AT + 0x1000), window), Status::Unsupported) << "at its end";
    EXPECT_EQ(parse(image(LOAD_AT, CODE, 0x1001), window), Status::Unsupported) << "running past its end";
    EXPECT_EQ(parse(image(0xfffff000, CODE, 0x2000)), Status::Unsupported) << "running past 4 GiB";
    // The root task's image, placed by virtual address in the user half: a
    // segment in the kernel's half is refused.
    const ElfLimits user{keel::abi::USER_IMAGE_BASE, keel::abi::USER_END, true};
    EXPECT_EQ(parse(image(keel::abi::USER_IMAGE_BASE), user), Status::Ok);
    EXPECT_EQ(parse(image(0xffff800000100000), user), Status::Unsupported);
}

}  // namespace
