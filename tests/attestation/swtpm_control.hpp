// swtpm's control channel over TCP (swtpm include/swtpm/tpm_ioctl.h): a
// request is a big-endian u32 command code and a body, a reply starts with a
// big-endian u32 result, except CMD_GET_CAPABILITY's, which is only the u64
// capability bits.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "unique_fd.hpp"

namespace keel::test {

class SwtpmControl {
public:
    explicit SwtpmControl(std::uint16_t port);  // connects to 127.0.0.1:port

    int fd() const { return fd_.get(); }
    void send(std::uint32_t code, std::span<const std::uint8_t> body = {});
    std::vector<std::uint8_t> receive(std::size_t size, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // A request whose reply is a bare result; throws unless the result is 0.
    void request_ok(std::uint32_t code, std::span<const std::uint8_t> body = {});

private:
    platform::UniqueFd fd_;
};

// A listening TCP socket on 127.0.0.1 (port 0: any free port), close-on-exec;
// an empty fd if the port is in use.
platform::UniqueFd listen_on_loopback(std::uint16_t port);
std::uint16_t local_port(int socket_fd);

}  // namespace keel::test
