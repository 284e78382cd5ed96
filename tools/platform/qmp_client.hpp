// A small QMP client (QEMU Machine Protocol, JSON lines on a Unix socket):
// greeting, qmp_capabilities, then commands with an id; asynchronous events
// in between are skipped.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "unique_fd.hpp"

namespace keel::platform {

class QmpClient {
public:
    // Connects (retrying while QEMU starts and `alive` says it still runs),
    // reads the greeting and enters command mode.
    QmpClient(const std::filesystem::path& socket, const std::function<bool()>& alive, std::chrono::seconds timeout);

    // Runs `command`; returns its "return" value, throws with QEMU's error
    // description if it failed.
    nlohmann::json execute(const std::string& command, const nlohmann::json& arguments = nullptr);

private:
    nlohmann::json read_message(std::chrono::steady_clock::time_point deadline);

    UniqueFd fd_;
    std::string buffer_;
    uint64_t next_id_ = 1;
    static constexpr std::chrono::seconds TIMEOUT{30};
};

}  // namespace keel::platform
