// The platform port: the guest's second serial port (COM2, I/O 0x2f8),
// connected by QEMU to DIR/platform.sock. Over it the pre-launch stage asks
// for a "virtual SKINIT": the tool pauses the VM, reads the SLB from guest
// memory, sends the locality-4 hash sequence (HASH_START/DATA/END) to swtpm,
// exactly what the CPU makes the TPM do on hardware, and resumes the VM.
// The protocol (ASCII lines) is described in README.md.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "unique_fd.hpp"
#include "unix_socket.hpp"

namespace keel::platform {

class QmpClient;
class TpmProxy;

// The measured part of an SLB image as SKINIT sees it, or why it is refused.
struct SlbMeasurement {
    uint16_t entry = 0, length = 0;
    std::string refused;  // empty: accepted
};
SlbMeasurement inspect_slb(std::span<const uint8_t> image);
// Why `address` cannot be an SLB base, or empty.
std::string check_slb_address(uint64_t address);

class PlatformPort {
public:
    // `without_reset`: an attacker's platform that answers LAUNCHED but never
    // sends the locality-4 hash sequence (tests of the hypervisor's report).
    PlatformPort(const std::filesystem::path& state_dir, TpmProxy& proxy, bool without_reset = false);
    ~PlatformPort();
    PlatformPort(const PlatformPort&) = delete;
    PlatformPort& operator=(const PlatformPort&) = delete;

    // Serves the port on its own thread; `qmp` is used only by that thread.
    void start(QmpClient& qmp);
    void stop();

private:
    void serve();
    void serve_connection(int fd);
    std::string answer(const std::string& line);
    std::string skinit(const std::string& address);
    std::vector<uint8_t> read_guest_memory(uint64_t address, size_t size);

    std::filesystem::path state_dir_;
    TpmProxy& proxy_;
    bool without_reset_;
    QmpClient* qmp_ = nullptr;
    UnixListener listener_;
    UniqueFd wake_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace keel::platform
