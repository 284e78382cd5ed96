#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "unique_fd.hpp"

namespace keel::platform {
namespace {

// Only async-signal-safe calls between fork() and exec().
[[noreturn]] void exec_child(const SpawnOptions& options, char* const* argv, int report_fd) {
    int err = 0;
    if (::prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) err = errno;
    if (!err && options.own_process_group && ::setpgid(0, 0) != 0) err = errno;
    auto redirect = [&err](const char* path, int target, int flags) {
        if (err) return;
        int fd = ::open(path, flags | O_CLOEXEC, 0644);
        if (fd < 0 || ::dup2(fd, target) < 0) err = errno;
    };
    if (options.stdin_null) redirect("/dev/null", STDIN_FILENO, O_RDONLY);
    if (!options.stdout_path.empty())
        redirect(options.stdout_path.c_str(), STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    if (!options.stderr_path.empty())
        redirect(options.stderr_path.c_str(), STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC);
    if (!err) {
        ::execvp(argv[0], argv);
        err = errno;
    }
    (void)!::write(report_fd, &err, sizeof err);
    ::_exit(127);
}

int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

std::optional<std::filesystem::path> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (::access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

ChildProcess::ChildProcess(const SpawnOptions& options) {
    if (options.argv.empty()) throw std::invalid_argument("empty command line");
    std::vector<std::string> args = options.argv;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    // The child reports a failed exec through this pipe; a successful exec
    // closes it (close-on-exec), so the parent reads nothing.
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + std::string(strerror(errno)));
    UniqueFd read_end(report[0]), write_end(report[1]);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
    if (pid_ == 0) exec_child(options, argv.data(), write_end.get());
    write_end.reset();
    int err = 0;
    ssize_t n;
    do n = ::read(read_end.get(), &err, sizeof err);
    while (n < 0 && errno == EINTR);
    if (n == ssize_t(sizeof err)) {
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        throw std::runtime_error("cannot run " + options.argv[0] + ": " + strerror(err));
    }
}

ChildProcess::~ChildProcess() { stop(std::chrono::seconds(2)); }

std::optional<int> ChildProcess::poll() {
    if (status_ || pid_ <= 0) return status_;
    int status;
    pid_t r;
    do r = ::waitpid(pid_, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == pid_) status_ = decode(status);
    return status_;
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return status_.value_or(-1);
    if (!poll()) {
        ::kill(pid_, SIGTERM);
        if (!wait_for(grace)) {
            ::kill(pid_, SIGKILL);
            int status;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
            status_ = decode(status);
        }
    }
    return *status_;
}

}  // namespace keel::platform
