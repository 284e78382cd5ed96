// Where the tests find event logs: the copies in the repository
// (tests/data/eventlog) and the developers' full real-world collection
// (KEEL_TESTDATA_DIR, from the environment or the build), which a clean clone
// may not have.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/log.hpp"
#include "attestation/eventlog/replay.hpp"

namespace keel::test {

inline std::filesystem::path repo_eventlog_data() { return KEEL_REPO_EVENTLOG_DATA; }

// Where the real-world collection should be: $KEEL_TESTDATA_DIR, else the build's choice.
inline std::filesystem::path real_world_root() {
    const char* env = std::getenv("KEEL_TESTDATA_DIR");
    return std::filesystem::path(env && *env ? env : KEEL_TESTDATA_DIR) / "real-world";
}

// The real-world collection, or an empty path when it is not there.
inline std::filesystem::path real_world_data() {
    auto dir = real_world_root();
    return std::filesystem::exists(dir / "REFERENCE_REPLAY.json") ? dir : std::filesystem::path{};
}

inline eventlog::Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return eventlog::Bytes(std::istreambuf_iterator<char>(in), {});
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
    auto bytes = read_file(path);
    return nlohmann::json::parse(bytes.begin(), bytes.end());
}

// The replay as {"sha256": {"17": "<hex>"}}, the shape the expectations use.
inline nlohmann::json hex_pcrs(const eventlog::Replay& replay) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [bank, pcrs] : replay.pcrs) {
        auto& b = out[eventlog::algorithm_name(bank)] = nlohmann::json::object();
        for (const auto& [pcr, value] : pcrs) b[std::to_string(pcr)] = eventlog::to_hex(value);
    }
    return out;
}

}  // namespace keel::test
