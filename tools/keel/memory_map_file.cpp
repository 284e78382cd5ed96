#include "tools/keel/memory_map_file.hpp"

#include <cstdint>
#include <regex>
#include <sstream>
#include <vector>

#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/event_types.hpp"
#include "attestation/eventlog/host_specific.hpp"
#include "attestation/eventlog/parser.hpp"
#include "hypervisor/kernel/memory_map_check.hpp"
#include "sinit/common/launch_plan.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

constexpr std::size_t max_map_file = std::size_t(16) << 20;
constexpr std::size_t mb2_entry_size = 24;
constexpr std::size_t max_log_file = std::size_t(64) << 20;

void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

std::uint32_t type_number(const std::string& name, const std::string& where) {
    for (std::uint32_t t = 0; t < 64; ++t)
        if (const char* known = mb2::memory_type_name(t); known && name == known) return t;
    std::smatch m;
    if (std::regex_match(name, m, std::regex(R"(type (\d{1,10}))"))) {
        auto n = std::stoull(m[1]);
        if (n <= UINT32_MAX) return std::uint32_t(n);
    }
    throw InputError(where + ": unknown memory type \"" + name +
                     "\" (usable, reserved, ACPI reclaimable, ACPI NVS, bad, or \"type <n>\")");
}

}  // namespace

std::string read_memory_map_file(const std::string& path) {
    std::istringstream in(read_text_file(path, max_map_file));
    const std::regex entry(R"(^\s*0x([0-9a-fA-F]{1,16})-0x([0-9a-fA-F]{1,16})\s+(\S.*?)\s*$)");
    std::vector<std::uint8_t> raw;  // Multiboot2 map entries: base, length, type, reserved
    std::string text;
    std::size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        const std::string where = path + ":" + std::to_string(++number);
        if (line.find_first_not_of(" \t\r") == std::string::npos || line.starts_with("#")) continue;
        std::smatch m;
        if (!std::regex_match(line, m, entry))
            throw InputError(where + ": expected \"0x<base>-0x<last> <type>\", found \"" + line + "\"");
        std::uint64_t base = std::stoull(m[1], nullptr, 16), last = std::stoull(m[2], nullptr, 16);
        if (last < base) throw InputError(where + ": the entry ends before it starts");
        std::uint32_t type = type_number(m[3], where);
        std::uint64_t length = last - base + 1;
        if (length == 0) throw InputError(where + ": an entry cannot cover the whole 64-bit address space");
        put64(raw, base);
        put64(raw, length);
        for (int i = 0; i < 8; ++i) raw.push_back(i < 4 ? std::uint8_t(type >> (8 * i)) : 0);
        std::string out(64, '\0');
        std::size_t len = 0;
        launch::write_memory_map_line(base, length, type, out.data(), out.size(), len);
        text.append(out, 0, len);
    }
    mb2::BootInfo info;
    info.has_memory_map = !raw.empty();
    info.memory_map = raw.data();
    info.memory_map_size = std::uint32_t(raw.size());
    info.memory_map_entry_size = mb2_entry_size;
    mb2::MapProblem p{};
    if (mb2::check_memory_map(info, nullptr, 0, p) != Status::Ok) {
        std::ostringstream why;
        why << path << ": the secure loader would refuse this map: " << p.what;
        if (!raw.empty()) why << " (entry " << p.index + 1 << std::hex << ": 0x" << p.base << "-0x" << p.end - 1 << ")";
        throw InputError(why.str());
    }
    return text;
}

std::string memory_map_from_event_log(const std::string& path) {
    eventlog::EventLog log;
    try {
        log = eventlog::parse(read_binary_file(path, max_log_file));
    } catch (const eventlog::ParseError& e) { throw InputError(path + ": not a TCG event log: " + e.what()); }
    std::vector<eventlog::AlgorithmId> banks;
    for (const auto& a : log.algorithms) banks.push_back(a.id);
    const eventlog::Event* found = nullptr;
    for (const auto& e : log.events) {
        if (e.type != eventlog::keel_ev_memory_map) continue;
        if (found) throw InputError(path + ": more than one memory-map event");
        found = &e;
    }
    if (!found) throw InputError(path + ": no memory-map event (a log from a launch before Keel measured the map?)");
    if (auto why = eventlog::detail_digest_problem(*found, banks); !why.empty())
        throw InputError(path + ": event " + std::to_string(found->index) + " (memory-map): " + why);
    return found->keel->detail;
}

}  // namespace keel::cli
