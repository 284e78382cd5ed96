#include "elf_section.hpp"

#include <cstring>
#include <string>

#include "file_io.hpp"

namespace keel::cli {
namespace {

template <typename T> T load(std::span<const std::uint8_t> f, std::uint64_t off) {
    if (off > f.size() || sizeof(T) > f.size() - off) throw InputError("ELF file truncated");
    T v;
    std::memcpy(&v, f.data() + off, sizeof v);
    return v;
}

}  // namespace

std::span<const std::uint8_t> elf_section(std::span<const std::uint8_t> f, std::string_view name) {
    if (f.size() < 64 || std::memcmp(f.data(),
                                     "\x7f"
                                     "ELF\x02\x01",
                                     6) != 0)
        throw InputError("not a little-endian ELF64 file");
    auto shoff = load<std::uint64_t>(f, 40);
    auto shentsize = load<std::uint16_t>(f, 58), shnum = load<std::uint16_t>(f, 60),
         shstrndx = load<std::uint16_t>(f, 62);
    if (shentsize < 64 || shstrndx >= shnum) throw InputError("ELF section headers malformed");
    auto header = [&](std::uint16_t i) { return shoff + std::uint64_t(i) * shentsize; };
    auto strtab = load<std::uint64_t>(f, header(shstrndx) + 24),
         strsize = load<std::uint64_t>(f, header(shstrndx) + 32);
    for (std::uint16_t i = 0; i < shnum; ++i) {
        auto name_off = load<std::uint32_t>(f, header(i));
        if (name_off >= strsize || strtab + name_off >= f.size()) continue;
        const char* s = reinterpret_cast<const char*>(f.data() + strtab + name_off);
        std::size_t room = std::min<std::uint64_t>(strsize - name_off, f.size() - strtab - name_off);
        if (std::string_view(s, strnlen(s, room)) != name) continue;
        auto off = load<std::uint64_t>(f, header(i) + 24), size = load<std::uint64_t>(f, header(i) + 32);
        if (off > f.size() || size > f.size() - off)
            throw InputError("ELF section " + std::string(name) + " truncated");
        return f.subspan(off, size);
    }
    throw InputError("no " + std::string(name) + " section (is this Keel's pre-launch stage, keel-prelaunch.elf?)");
}

}  // namespace keel::cli
