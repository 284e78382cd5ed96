#include "swtpm_control.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "ctrl_protocol.hpp"
#include "unix_socket.hpp"

namespace keel::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

std::runtime_error system_error(const std::string& what) { return std::runtime_error(what + ": " + strerror(errno)); }

}  // namespace

platform::UniqueFd listen_on_loopback(std::uint16_t port) {
    platform::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw system_error("socket");
    // A port a previous swtpm of this test used may still have connections
    // in TIME_WAIT; those must not keep the control port from us.
    int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address = loopback(port);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (errno == EADDRINUSE) return {};
        throw system_error("bind 127.0.0.1:" + std::to_string(port));
    }
    if (::listen(fd.get(), 8) != 0) throw system_error("listen");
    return fd;
}

std::uint16_t local_port(int socket_fd) {
    sockaddr_in address{};
    socklen_t size = sizeof address;
    if (::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) throw system_error("getsockname");
    return ntohs(address.sin_port);
}

SwtpmControl::SwtpmControl(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (!fd_) throw system_error("socket");
    sockaddr_in address = loopback(port);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw system_error("connecting to swtpm's control channel on 127.0.0.1:" + std::to_string(port));
}

void SwtpmControl::send(std::uint32_t code, std::span<const std::uint8_t> body) {
    std::vector<std::uint8_t> request = {std::uint8_t(code >> 24), std::uint8_t(code >> 16), std::uint8_t(code >> 8),
                                         std::uint8_t(code)};
    request.insert(request.end(), body.begin(), body.end());
    platform::write_all(fd_.get(), request);
}

std::vector<std::uint8_t> SwtpmControl::receive(std::size_t size, std::chrono::milliseconds timeout) {
    std::vector<std::uint8_t> reply(size);
    platform::read_exact(fd_.get(), reply, timeout);
    return reply;
}

void SwtpmControl::request_ok(std::uint32_t code, std::span<const std::uint8_t> body) {
    send(code, body);
    std::vector<std::uint8_t> reply;
    try {
        reply = receive(4);
    } catch (const std::exception& e) {
        throw std::runtime_error("swtpm did not answer " + platform::ctrl::name(code) + ": " + e.what());
    }
    if (std::uint32_t result = platform::ctrl::read_be32(reply, 0); result != 0)
        throw std::runtime_error(platform::ctrl::name(code) + " failed with result " + std::to_string(result));
}

}  // namespace keel::test
