// Runs the Keel ISO in QEMU (software emulation) for integration tests:
// serial output to a file the test reads, the isa-debug-exit device for the
// exit status, and optionally the human monitor on a Unix socket.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace keel::test {

struct QemuConfig {
    std::string iso;
    std::string cpu = "EPYC,+svm,+npt";
    unsigned memory_mib = 512;
    unsigned cpus = 1;  // -smp
    bool monitor = false;
    std::string firmware;  // -bios image (e.g. OVMF for UEFI); empty: QEMU's SeaBIOS
};

class QemuMachine {
public:
    explicit QemuMachine(QemuConfig config);
    ~QemuMachine();
    QemuMachine(const QemuMachine&) = delete;
    QemuMachine& operator=(const QemuMachine&) = delete;

    void start();
    // Waits until the serial transcript contains `text`; false on timeout or exit.
    bool wait_for_serial(const std::string& text, std::chrono::seconds timeout);
    // Sends one monitor command and returns its output.
    std::string monitor_command(const std::string& command);
    // Waits for QEMU to end; nullopt (and QEMU killed) on timeout.
    std::optional<int> wait_exit(std::chrono::seconds timeout);
    std::string serial() const;
    const std::vector<std::string>& command_line() const { return argv_; }

private:
    void kill_now();
    // Reaps QEMU if it has ended, keeping its exit status; true once ended.
    bool poll_exit();

    QemuConfig config_;
    std::string dir_, serial_path_, monitor_path_;
    std::vector<std::string> argv_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    int monitor_fd_ = -1;
};

// A whole boot: QEMU runs until the machine powers itself off (or
// `timeout`: status then empty); its transcript and exit status.
struct Boot {
    std::string serial;
    std::optional<int> status;
};
Boot boot_to_end(QemuConfig config, std::chrono::seconds timeout);
// The ISO `iso` (in the tests' ISO directory) on `cpus` CPUs, with the
// defaults otherwise, to its end (at most 300 s).
Boot boot_iso(const std::string& iso, unsigned cpus = 1);

// The tests' defaults, from the environment CTest sets.
std::string iso_path(const std::string& name);
std::string ovmf_path();

}  // namespace keel::test
