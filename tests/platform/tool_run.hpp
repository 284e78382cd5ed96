// Runs keel-platform for a test: a fresh state directory, the console and
// the tool's own messages in files there, the exit status, and the PCR dump.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace keel::platform {
class ChildProcess;
}

namespace keel::test {

using Bytes = std::vector<uint8_t>;

class ToolRun {
public:
    ToolRun();
    ~ToolRun();
    ToolRun(const ToolRun&) = delete;
    ToolRun& operator=(const ToolRun&) = delete;

    // Starts `keel-platform run --state-dir <dir> --serial <dir>/serial.log
    // --pcr-dump <dir>/pcrs.json <options>` (prefix: e.g. {"env", "PATH=…"}).
    void start(const std::vector<std::string>& options, const std::vector<std::string>& prefix = {});
    // The exit status, or nullopt (tool killed) after `timeout`.
    std::optional<int> wait(std::chrono::seconds timeout);
    // Waits until the console shows `text`; false on timeout or exit.
    bool wait_for_console(const std::string& text, std::chrono::seconds timeout);

    const std::filesystem::path& dir() const { return dir_; }
    std::string console() const;
    std::string messages() const;  // the tool's stderr
    nlohmann::json pcrs() const;

private:
    std::filesystem::path dir_;
    std::unique_ptr<platform::ChildProcess> process_;
    std::optional<int> status_;
};

std::string tool_path();
std::string guest_path();

// The test guest's SLB: u16 entry 8, u16 length, bytes (i * 31 + 7) & 0xff.
Bytes guest_slb(uint16_t length);
Bytes digest(const char* algorithm, const Bytes& data);
// H(0…0 ‖ value): a PCR extended once from zero.
Bytes extended_from_zero(const char* algorithm, const Bytes& value);
std::string to_hex(const Bytes& bytes);

}  // namespace keel::test
