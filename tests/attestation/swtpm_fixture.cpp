#include "swtpm_fixture.hpp"

#include <fcntl.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ctrl_protocol.hpp"
#include "swtpm_control.hpp"
#include "unix_socket.hpp"

namespace keel::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void require_program(const std::string& name, const std::string& package) {
    if (!platform::find_program(name))
        throw std::runtime_error(name + " not found on PATH: the swtpm tests need the Debian package " + package);
}

fs::path make_temp_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/keel-swtpm-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + " failed");
    return pattern;
}

// swtpm and swtpm_setup take the state directory inside comma-separated
// option lists; a comma in it would end the path early.
void require_no_comma(const fs::path& path) {
    if (path.string().find(',') != std::string::npos)
        throw std::runtime_error("swtpm cannot use a state directory with a comma in its path: " + path.string() +
                                 " (set TMPDIR elsewhere)");
}

void set_inheritable(int fd, bool inheritable) {
    int flags = ::fcntl(fd, F_GETFD);
    ::fcntl(fd, F_SETFD, inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC);
}

}  // namespace

Swtpm::Swtpm(const SwtpmOptions& options) {
    require_program("swtpm", "swtpm");
    require_program("swtpm_setup", "swtpm-tools");
    dir_ = make_temp_dir();
    state_dir_ = dir_ / "state";
    try {
        require_no_comma(dir_);
        fs::create_directories(state_dir_);
        const fs::path log = dir_ / "swtpm_setup.log";
        platform::ChildProcess setup(
            {.argv = {"swtpm_setup", "--tpm2", "--tpmstate", state_dir_.string(), "--createek", "--create-ek-cert",
                      "--create-platform-cert", "--lock-nvram", "--pcr-banks", options.pcr_banks, "--overwrite"},
             .stdout_path = log,
             .stderr_path = log});
        std::optional<int> status = setup.wait_for(60s);
        if (status != 0)
            throw std::runtime_error("swtpm_setup failed" +
                                     (status ? " with exit status " + std::to_string(*status) : " to finish in 60 s") +
                                     ":\n" + read_text(log));
        start_first_time();
    } catch (...) {
        stop();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
        throw;
    }
}

Swtpm::~Swtpm() {
    stop();
    if (!std::getenv("KEEL_KEEP_SWTPM_DIR")) {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
}

std::string Swtpm::tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

std::string Swtpm::swtpm_messages() const { return read_text(dir_ / "swtpm.out") + read_text(dir_ / "swtpm.log"); }

// The control port is a socket we bind and hand to swtpm, so whatever
// answers on it is our swtpm; the TPM port swtpm binds itself (swtpm takes
// no listening socket for it), and if another process took it in between,
// swtpm ends at once and we try other ports.
void Swtpm::start_first_time() {
    constexpr int attempts = 20;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        platform::UniqueFd probe = listen_on_loopback(0);
        if (!probe) continue;
        const std::uint16_t port = local_port(probe.get());
        if (port == 65535) continue;
        platform::UniqueFd control = listen_on_loopback(static_cast<std::uint16_t>(port + 1));
        if (!control) continue;
        probe.reset();
        port_ = port;
        control_listener_ = std::move(control);
        start_on_current_ports();
        try {
            wait_until_serving();
            return;
        } catch (const std::exception&) {
            if (swtpm_messages().find("Address already in use") == std::string::npos) throw;
            stop();
        }
    }
    throw std::runtime_error("swtpm found no free pair of TCP ports on 127.0.0.1 in " + std::to_string(attempts) +
                             " attempts");
}

void Swtpm::start_on_current_ports() {
    const int control_fd = control_listener_.get();
    // Only swtpm may inherit the control socket: other children (swtpm_setup,
    // tpm2-tools) would keep it open.
    set_inheritable(control_fd, true);
    try {
        process_ = std::make_unique<platform::ChildProcess>(platform::SpawnOptions{
            .argv = {"swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state_dir_.string(), "--server",
                     "type=tcp,port=" + std::to_string(port_) + ",bindaddr=127.0.0.1", "--ctrl",
                     "type=tcp,fd=" + std::to_string(control_fd), "--flags", "not-need-init,startup-clear", "--log",
                     "file=" + (dir_ / "swtpm.log").string() + ",truncate"},
            .stdout_path = dir_ / "swtpm.out",
            .stderr_path = dir_ / "swtpm.out"});
    } catch (...) {
        set_inheritable(control_fd, false);
        throw;
    }
    set_inheritable(control_fd, false);
}

void Swtpm::wait_until_serving() {
    // swtpm binds the TPM port before it serves the control channel, so an
    // answer here means both are up.
    SwtpmControl control(static_cast<std::uint16_t>(port_ + 1));
    control.send(platform::ctrl::GET_CAPABILITY);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!platform::wait_readable(control.fd(), 20ms)) {
        if (auto status = process_->poll())
            throw std::runtime_error("swtpm ended with exit status " + std::to_string(*status) + ":\n" +
                                     swtpm_messages());
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("swtpm did not answer on its control channel within 10 s:\n" + swtpm_messages());
    }
    control.receive(8);
}

void Swtpm::stop() {
    if (process_) process_->stop();
    process_.reset();
}

}  // namespace keel::test
