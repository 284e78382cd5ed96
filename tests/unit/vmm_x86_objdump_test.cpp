// The decoder's lengths against GNU objdump's on random encodings: random
// prefixes (REX in 64-bit mode), an opcode of the decoder's set, random
// ModRM, SIB, displacement and immediate bytes. Every instruction the
// decoder accepts is laid end to end by its length; objdump must find an
// instruction starting at each of those offsets (it splits off prefixes it
// finds redundant, so it may find more) and none it calls (bad).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "vmm/x86/decoder.hpp"

namespace {

using keel::Status;
using namespace keel::vmm::x86;

constexpr uint8_t PREFIXES[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3};
constexpr uint8_t ONE_BYTE[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x10, 0x11,
                                0x12, 0x13, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b,
                                0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x63, 0x6c, 0x6d, 0x6e,
                                0x6f, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0xa0, 0xa1,
                                0xa2, 0xa3, 0xa4, 0xa5, 0xa8, 0xa9, 0xaa, 0xab, 0xb0, 0xb4, 0xb8, 0xbf, 0xc6, 0xc7,
                                0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0xf4, 0xf6, 0xf7};
constexpr uint8_t TWO_BYTE[] = {0x01, 0x30, 0x31, 0x32, 0xa2, 0xa3, 0xb6, 0xb7, 0xba, 0xbe, 0xbf};

std::vector<uint8_t> random_instructions(Mode mode, unsigned count, std::vector<size_t>& starts) {
    std::mt19937_64 rng(20261207 + unsigned(mode));
    std::vector<uint8_t> blob;
    while (starts.size() < count) {
        uint8_t b[MAX_INSTRUCTION_LENGTH];
        size_t k = 0;
        // A REX prefix, in 64-bit mode, usually last (where it counts),
        // sometimes first (where it does not). objdump shows prefixes
        // before a misplaced REX as an instruction of their own, so one
        // after 66 or 67 would compare its display, not the length.
        bool rex = mode == Mode::Bits64 && rng() % 2;
        if (rex && rng() % 4 == 0) b[k++] = uint8_t(0x40 | rng() % 16);
        for (unsigned n = rng() % 4; n; --n) b[k++] = PREFIXES[rng() % std::size(PREFIXES)];
        if (rex) b[k++] = uint8_t(0x40 | rng() % 16);
        if (rng() % 4 == 0) {
            b[k++] = 0x0f;
            b[k++] = TWO_BYTE[rng() % std::size(TWO_BYTE)];
        } else {
            b[k++] = ONE_BYTE[rng() % std::size(ONE_BYTE)];
        }
        // 0F 01's accepted forms are rare among random ModRM bytes.
        if (k && b[k - 1] == 0x01 && k >= 2 && b[k - 2] == 0x0f && rng() % 2) b[k++] = "\xd9\xd1\xf9\x38"[rng() % 4];
        while (k < sizeof b) b[k++] = uint8_t(rng());
        Instruction insn;
        if (decode(b, sizeof b, mode, insn) != Status::Ok) continue;
        starts.push_back(blob.size());
        blob.insert(blob.end(), b, b + insn.length);
    }
    return blob;
}

// objdump's instruction offsets, and those it could not decode.
bool objdump_offsets(const std::vector<uint8_t>& blob, const char* arch, std::set<size_t>& starts,
                     std::set<size_t>& bad) {
    char path[] = "/tmp/keel-x86-objdump-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return false;
    bool written = write(fd, blob.data(), blob.size()) == ssize_t(blob.size());
    close(fd);
    std::string command = std::string(KEEL_OBJDUMP) + " -D -w -b binary -m " + arch + " " + path;
    FILE* p = written ? popen(command.c_str(), "r") : nullptr;
    if (!p) return unlink(path), false;
    char line[512];
    while (fgets(line, sizeof line, p)) {
        unsigned long offset;
        int used = 0;
        if (sscanf(line, " %lx:\t%n", &offset, &used) != 1 || !used) continue;
        starts.insert(offset);
        if (strstr(line, "(bad)")) bad.insert(offset);
    }
    pclose(p);
    unlink(path);
    return true;
}

class AgainstObjdump : public ::testing::TestWithParam<Mode> {};

TEST_P(AgainstObjdump, EveryDecodedLengthIsObjdumps) {
    if (std::string(KEEL_OBJDUMP).empty()) GTEST_SKIP() << "no objdump";
    Mode mode = GetParam();
    const char* arch = mode == Mode::Bits16 ? "i8086" : mode == Mode::Bits32 ? "i386" : "i386:x86-64";
    std::vector<size_t> mine;
    std::vector<uint8_t> blob = random_instructions(mode, 20000, mine);
    std::set<size_t> theirs, bad;
    ASSERT_TRUE(objdump_offsets(blob, arch, theirs, bad));
    unsigned wrong = 0;
    for (size_t i = 0; i < mine.size() && wrong < 10; ++i) {
        size_t at = mine[i], end = i + 1 < mine.size() ? mine[i + 1] : blob.size();
        std::string hex;
        for (size_t j = at; j < end; ++j)
            hex += "0123456789abcdef"[blob[j] >> 4], hex += "0123456789abcdef"[blob[j] & 15];
        if (!theirs.count(at) || bad.count(at)) {
            ADD_FAILURE() << "objdump disagrees at " << hex;
            ++wrong;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Modes, AgainstObjdump, ::testing::Values(Mode::Bits16, Mode::Bits32, Mode::Bits64));

}  // namespace
