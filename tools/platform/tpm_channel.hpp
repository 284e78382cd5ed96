// The tool's own access to swtpm: its control connection and its end of the
// data channel. Used only by jobs the proxy runs between QEMU's requests, so
// nothing else is outstanding on either socket while a job talks.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace keel::platform {

class TpmChannel {
public:
    // `qemu_locality`: the locality QEMU last set (nullopt: never set).
    TpmChannel(int ctrl_fd, int data_fd, std::optional<uint8_t> qemu_locality);

    // One control request (code + body); returns the reply of `reply_size` bytes.
    std::vector<uint8_t> control(uint32_t code, std::span<const uint8_t> body, size_t reply_size, int pass_fd = -1);
    // A control request answered by a bare result; throws unless it is 0.
    void control_ok(uint32_t code, std::span<const uint8_t> body = {});
    // One TPM command at locality 0; returns the whole response.
    std::vector<uint8_t> transact(std::span<const uint8_t> command);
    // Gives swtpm QEMU's locality back if transact() changed it.
    void restore_locality();

private:
    void set_locality(uint8_t locality);

    int ctrl_fd_, data_fd_;
    std::optional<uint8_t> qemu_locality_;
    bool locality_changed_ = false;
    static constexpr std::chrono::seconds TIMEOUT{10};
};

}  // namespace keel::platform
