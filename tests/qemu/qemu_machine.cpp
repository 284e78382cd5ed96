#include "qemu_machine.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace keel::test {
namespace {

constexpr time_t MONITOR_TIMEOUT_S = 30;

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string make_temp_dir() {
    std::string pattern = env_or("TMPDIR", "/tmp") + "/keel-qemu-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed: " + std::string(strerror(errno)));
    return pattern;
}

}  // namespace

std::string iso_path(const std::string& name) { return env_or("KEEL_ISO_DIR", ".") + "/" + name; }
std::string ovmf_path() { return env_or("KEEL_OVMF", "/usr/share/ovmf/OVMF.fd"); }

Boot boot_iso(const std::string& iso, unsigned cpus) {
    QemuConfig c;
    c.iso = iso_path(iso);
    c.cpus = cpus;
    return boot_to_end(std::move(c), std::chrono::seconds(300));
}

Boot boot_to_end(QemuConfig config, std::chrono::seconds timeout) {
    QemuMachine qemu(std::move(config));
    qemu.start();
    Boot b;
    b.status = qemu.wait_exit(timeout);
    b.serial = qemu.serial();
    return b;
}

QemuMachine::QemuMachine(QemuConfig config) : config_(std::move(config)) {
    dir_ = make_temp_dir();
    serial_path_ = dir_ + "/serial.log";
    monitor_path_ = dir_ + "/monitor.sock";
    argv_ = {env_or("KEEL_QEMU", "qemu-system-x86_64"),
             "-accel",
             "tcg",
             "-cpu",
             config_.cpu,
             "-m",
             std::to_string(config_.memory_mib),
             "-smp",
             std::to_string(config_.cpus),
             "-display",
             "none",
             "-net",
             "none",
             "-no-reboot",
             "-serial",
             "file:" + serial_path_,
             "-device",
             "isa-debug-exit,iobase=0xf4,iosize=0x04",
             "-cdrom",
             config_.iso};
    if (!config_.firmware.empty()) {
        argv_.push_back("-bios");
        argv_.push_back(config_.firmware);
    }
    if (config_.monitor) {
        argv_.push_back("-monitor");
        argv_.push_back("unix:" + monitor_path_ + ",server=on,wait=off");
    }
}

QemuMachine::~QemuMachine() {
    kill_now();
    if (monitor_fd_ >= 0) close(monitor_fd_);
    if (std::getenv("KEEL_KEEP_QEMU_LOGS") == nullptr) {
        unlink(serial_path_.c_str());
        unlink(monitor_path_.c_str());
        unlink((dir_ + "/qemu.log").c_str());
        rmdir(dir_.c_str());
    }
}

void QemuMachine::start() {
    if (access(config_.iso.c_str(), R_OK) != 0) throw std::runtime_error("ISO not readable: " + config_.iso);
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    // The child reports a failed exec through this pipe; a successful exec
    // closes it (O_CLOEXEC), so the parent reads nothing.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    std::string log = dir_ + "/qemu.log";
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        close(report[0]);
        // QEMU's own warnings (e.g. TCG lacking EPYC features) go to a log, not the test output.
        int err = 0;
        if (freopen(log.c_str(), "w", stderr) == nullptr)
            err = errno;
        else
            execvp(args[0], args.data());
        err = err ? err : errno;
        (void)!write(report[1], &err, sizeof err);
        _exit(127);
    }
    close(report[1]);
    int err = 0;
    ssize_t n = read(report[0], &err, sizeof err);
    close(report[0]);
    if (n == ssize_t(sizeof err)) {
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        throw std::runtime_error("cannot start " + argv_[0] + ": " + strerror(err));
    }
}

std::string QemuMachine::serial() const {
    std::ifstream in(serial_path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool QemuMachine::wait_for_serial(const std::string& text, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (serial().find(text) != std::string::npos) return true;
        if (poll_exit()) return serial().find(text) != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::string QemuMachine::monitor_command(const std::string& command) {
    if (!config_.monitor) throw std::runtime_error("QEMU was started without a monitor");
    auto read_until_prompt = [this]() {
        std::string out;
        char buf[4096];
        while (out.find("(qemu) ") == std::string::npos) {
            ssize_t n = read(monitor_fd_, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, size_t(n));
        }
        return out;
    };
    if (monitor_fd_ < 0) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, monitor_path_.c_str(), sizeof addr.sun_path - 1);
        timeval limit{MONITOR_TIMEOUT_S, 0};  // a wedged QEMU must not hang the test
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            int err = errno;
            close(fd);
            throw std::runtime_error("cannot connect to the QEMU monitor: " + std::string(strerror(err)));
        }
        monitor_fd_ = fd;
        read_until_prompt();  // banner
    }
    std::string line = command + "\n";
    // MSG_NOSIGNAL: a QEMU that has died gives an error here, not a SIGPIPE that kills the test binary.
    if (send(monitor_fd_, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size()))
        throw std::runtime_error("cannot write to the QEMU monitor: " + std::string(strerror(errno)));
    return read_until_prompt();
}

std::optional<int> QemuMachine::wait_exit(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll_exit()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            kill_now();
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exit_status_;
}

bool QemuMachine::poll_exit() {
    if (pid_ <= 0) return exit_status_.has_value();
    int status;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

void QemuMachine::kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

}  // namespace keel::test
