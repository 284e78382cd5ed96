// Unix stream sockets: listening, connecting, whole-buffer writes, reads with
// a deadline, and file descriptors passed as SCM_RIGHTS (swtpm's
// CMD_SET_DATAFD carries the TPM data channel that way).
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <utility>
#include <vector>

#include "unique_fd.hpp"

namespace keel::platform {

// A listening socket; its path is removed again when it goes out of scope.
class UnixListener {
public:
    explicit UnixListener(std::filesystem::path path);
    ~UnixListener();
    UnixListener(const UnixListener&) = delete;
    UnixListener& operator=(const UnixListener&) = delete;

    int fd() const { return fd_.get(); }
    const std::filesystem::path& path() const { return path_; }
    // The next pending connection (close-on-exec), or an empty fd if none.
    UniqueFd accept() const;

private:
    std::filesystem::path path_;
    UniqueFd fd_;
};

UniqueFd unix_connect(const std::filesystem::path& path);
// The same, trying again while the socket's file exists but nobody listens
// yet (a server between its bind() and listen()), for up to `timeout`.
UniqueFd unix_connect_when_listening(const std::filesystem::path& path, std::chrono::milliseconds timeout);
std::pair<UniqueFd, UniqueFd> unix_socket_pair();

// Writes all of `bytes` (blocking); `pass_fd` >= 0 rides along as SCM_RIGHTS
// with the first byte. Throws on error (never raises SIGPIPE).
void write_all(int fd, std::span<const uint8_t> bytes, int pass_fd = -1);
// Reads exactly `out.size()` bytes before `timeout`; throws on end of stream,
// error or timeout.
void read_exact(int fd, std::span<uint8_t> out, std::chrono::milliseconds timeout);
// True if `fd` becomes readable (or hangs up) within `timeout`.
bool wait_readable(int fd, std::chrono::milliseconds timeout);
// One recvmsg() without blocking: the bytes read (0 = end of stream, -1 =
// nothing there), with any file descriptors that came along appended to `fds`.
ssize_t receive_with_fds(int fd, std::span<uint8_t> buffer, std::vector<UniqueFd>& fds);

// Unix socket paths are limited to 107 bytes; say so instead of truncating.
void check_socket_path(const std::filesystem::path& path);

}  // namespace keel::platform
