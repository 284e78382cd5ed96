// A child process that is stopped (SIGTERM, then SIGKILL) and reaped when
// its owner goes out of scope, and dies with this tool (PR_SET_PDEATHSIG).
#pragma once
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace keel::platform {

struct SpawnOptions {
    std::vector<std::string> argv;
    std::filesystem::path stdout_path;  // empty: inherit
    std::filesystem::path stderr_path;  // empty: inherit
    bool stdin_null = true;
    bool own_process_group = false;  // keep a terminal's Ctrl-C away from it
};

// The program named by `name` on PATH (or `name` itself if it has a slash).
std::optional<std::filesystem::path> find_program(const std::string& name);

class ChildProcess {
public:
    // Throws if the program cannot be executed (e.g. not found).
    explicit ChildProcess(const SpawnOptions& options);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    // The exit status once ended (128 + signal if killed), without waiting.
    std::optional<int> poll();
    // Waits up to `timeout`; nullopt if still running.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    // SIGTERM, up to `grace` to end, then SIGKILL; returns the exit status.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

}  // namespace keel::platform
