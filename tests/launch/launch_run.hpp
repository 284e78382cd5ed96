// Runs the measured-launch chain for a test: keel-platform boots an ISO under
// QEMU with swtpm (emulated SKINIT), and `keel measure` / `keel eventlog`
// predict and check. Everything is a real process; results are what the
// processes printed and wrote.
#pragma once
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace keel::test {

struct ProcessResult {
    int status = -1;  // exit status; -1 if killed by a signal
    std::string output;  // stdout and stderr together
};
ProcessResult run_process(const std::vector<std::string>& argv);

struct LaunchResult {
    int status = -1;
    std::string serial;  // COM1: pre-launch stage, SLB, hypervisor
    std::string platform;  // keel-platform's own log
    std::string pcrs_file;  // JSON written by --pcr-dump
    std::string event_log_file;  // the log the hypervisor printed, as binary
    // Host time from the pre-launch stage's SKINIT request to the hypervisor's
    // first line, seen by polling the console file.
    std::optional<std::chrono::milliseconds> request_to_hypervisor;
};

// Boots `iso` with a fresh TPM of `banks` ("sha256" or "sha1,sha256,sha384").
LaunchResult launch(const std::string& iso, const std::string& banks, const std::string& name,
                    const std::vector<std::string>& extra = {}, int timeout_s = 120);

// The reference values `keel measure` writes for an ISO tree's grub.cfg;
// with a memory-map file, PCR 18 is predicted too.
std::string measure(const std::string& iso_tree, const std::string& banks, const std::string& name,
                    const std::string& memory_map = "");

// The memory map the hypervisor printed ("mem: 0x<base>-0x<last> <type>"),
// the map it was handed and uses, as a `keel measure --memory-map` file.
std::string hypervisor_memory_map(const LaunchResult& r, const std::string& name);

// The event log the hypervisor printed (dump-eventlog) on the console, as bytes.
std::string event_log_bytes(const std::string& serial);

std::string env(const char* name);
// This test process's scratch folder, and a fresh NAME folder in it.
std::filesystem::path scratch_root();
std::string scratch_dir(const std::string& name);
std::string read_file(const std::string& path);

}  // namespace keel::test
