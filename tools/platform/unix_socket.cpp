#include "unix_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "log.hpp"
#include "setup_error.hpp"

namespace keel::platform {
namespace {

sockaddr_un address_of(const std::filesystem::path& path) {
    check_socket_path(path);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.native().size());
    return addr;
}

std::runtime_error system_error(const std::string& what) { return std::runtime_error(what + ": " + strerror(errno)); }

}  // namespace

void check_socket_path(const std::filesystem::path& path) {
    if (path.native().size() >= sizeof(sockaddr_un::sun_path))
        throw SetupError("socket path too long for a Unix socket (use a shorter --state-dir): " + path.string());
}

UnixListener::UnixListener(std::filesystem::path path) : path_(std::move(path)) {
    sockaddr_un addr = address_of(path_);
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_) throw system_error("socket");
    ::unlink(path_.c_str());  // a stale socket from an earlier run
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw system_error("cannot bind " + path_.string());
    if (::listen(fd_.get(), 4) != 0) throw system_error("listen on " + path_.string());
}

UnixListener::~UnixListener() {
    if (fd_) ::unlink(path_.c_str());
}

UniqueFd UnixListener::accept() const {
    return UniqueFd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
}

UniqueFd unix_connect(const std::filesystem::path& path) {
    sockaddr_un addr = address_of(path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw system_error("socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw system_error("cannot connect to " + path.string());
    return fd;
}

UniqueFd unix_connect_when_listening(const std::filesystem::path& path, std::chrono::milliseconds timeout) {
    sockaddr_un addr = address_of(path);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd) throw system_error("socket");
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
        const int error = errno;
        if ((error != ECONNREFUSED && error != ENOENT) || std::chrono::steady_clock::now() > deadline) {
            std::string what = "cannot connect to " + path.string();
            errno = error;  // what system_error reports
            throw system_error(what);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::pair<UniqueFd, UniqueFd> unix_socket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw system_error("socketpair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void write_all(int fd, std::span<const uint8_t> bytes, int pass_fd) {
    size_t done = 0;
    bool fd_sent = pass_fd < 0;
    while (done < bytes.size()) {
        iovec iov{const_cast<uint8_t*>(bytes.data() + done), bytes.size() - done};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        if (!fd_sent) {
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
        }
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 10'000) <= 0) throw std::runtime_error("write timed out");
            continue;
        }
        if (n < 0) throw system_error("write");
        done += size_t(n);
        fd_sent = true;
    }
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    int n;
    do n = ::poll(&p, 1, int(timeout.count()));
    while (n < 0 && errno == EINTR);
    return n > 0;
}

void read_exact(int fd, std::span<uint8_t> out, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t done = 0;
    while (done < out.size()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_readable(fd, left)) throw std::runtime_error("no reply within the time limit");
        ssize_t n = ::recv(fd, out.data() + done, out.size() - done, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (n < 0) throw system_error("read");
        if (n == 0) throw std::runtime_error("connection closed");
        done += size_t(n);
    }
}

ssize_t receive_with_fds(int fd, std::span<uint8_t> buffer, std::vector<UniqueFd>& fds) {
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = ::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : 0;  // errors end the stream
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int passed;
            std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            fds.emplace_back(passed);
        }
    }
    return n;
}

}  // namespace keel::platform
