#include "platform_run.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "child_process.hpp"
#include "ctrl_proxy.hpp"
#include "log.hpp"
#include "pcr_dump.hpp"
#include "qmp_client.hpp"
#include "setup_error.hpp"
#include "skinit_port.hpp"
#include "swtpm_process.hpp"
#include "unix_socket.hpp"

namespace keel::platform {
namespace {

namespace fs = std::filesystem;

std::atomic<int> g_signal{0};

void on_signal(int sig) { g_signal = sig; }

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &action, nullptr);
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

void check_banks(const std::string& banks) {
    std::stringstream list(banks);
    std::string bank;
    bool any = false;
    while (std::getline(list, bank, ',')) {
        if (bank.empty() || bank.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
            throw SetupError("--banks: '" + banks + "' is not a comma-separated list of banks such as sha1,sha256");
        any = true;
    }
    if (!any || banks.back() == ',') throw SetupError("--banks: empty bank in '" + banks + "'");
}

void check_inputs(RunOptions& o) {
    if (o.qemu.iso.empty() == o.qemu.kernel.empty())
        throw SetupError("give exactly one of --iso FILE or --kernel FILE");
    for (const fs::path* file : {&o.qemu.iso, &o.qemu.kernel, &o.qemu.firmware}) {
        if (file->empty()) continue;
        if (::access(file->c_str(), R_OK) != 0) throw SetupError("cannot read " + file->string());
    }
    check_banks(o.banks);
    auto qemu = find_program(o.qemu.qemu);
    if (!qemu) throw SetupError(o.qemu.qemu + " not found: install the Debian package qemu-system-x86");
    require_swtpm_tools();
    std::error_code ec;
    fs::create_directories(o.state_dir, ec);
    if (ec) throw SetupError("cannot create --state-dir " + o.state_dir.string() + ": " + ec.message());
    o.state_dir = fs::canonical(o.state_dir);
    // swtpm and QEMU take these paths inside comma-separated option lists.
    if (o.state_dir.string().find(',') != std::string::npos)
        throw SetupError("--state-dir must not contain a comma (swtpm and QEMU options are comma-separated): " +
                         o.state_dir.string());
    o.qemu.state_dir = o.state_dir;
    for (const char* name : {"tpm.ctrl", "tpm.sock", "swtpm.ctrl", "platform.sock", "qmp.sock"})
        check_socket_path(o.state_dir / name);
    for (fs::path* file : {&o.qemu.iso, &o.qemu.kernel, &o.qemu.firmware, &o.qemu.serial, &o.pcr_dump})
        if (!file->empty()) *file = fs::absolute(*file);
}

// QEMU's log without the warnings about CPU features TCG lacks (harmless, and many).
std::string qemu_messages(const fs::path& log_file) {
    std::ifstream in(log_file);
    std::string line, out;
    while (std::getline(in, line))
        if (line.find("TCG doesn't support requested feature") == std::string::npos) out += line + "\n";
    return out;
}

std::string describe_exit(int status) {
    if (status == 33) return "status 33 (Keel's success code)";
    if (status > 128) return "signal " + std::to_string(status - 128);
    return "status " + std::to_string(status);
}

}  // namespace

int run_platform(RunOptions o) {
    check_inputs(o);
    install_signal_handlers();
    ensure_tpm_state(o.state_dir, o.banks);
    SwtpmProcess swtpm(o.state_dir);
    TpmProxy proxy(o.state_dir, swtpm.ctrl_path(), o.verbose);
    proxy.start();
    std::optional<PlatformPort> port;
    if (o.qemu.platform_port)
        port.emplace(o.state_dir, proxy, o.launch_without_reset);
    else
        log("no platform port (--no-platform-port): the guest has no COM2 and cannot ask for a virtual SKINIT");

    fs::path qemu_log = o.state_dir / "qemu.log";
    auto argv = qemu_command_line(o.qemu);
    log("starting QEMU: " + join(argv));
    // With the console on stdio QEMU reads the terminal; otherwise it gets no input.
    ChildProcess qemu(
        SpawnOptions{.argv = argv, .stdout_path = {}, .stderr_path = qemu_log, .stdin_null = !o.qemu.serial.empty()});
    auto started = std::chrono::steady_clock::now();
    auto deadline = started + std::chrono::seconds(o.timeout_s);

    std::unique_ptr<QmpClient> qmp;
    try {
        qmp = std::make_unique<QmpClient>(
            o.state_dir / "qmp.sock", [&qemu] { return !qemu.poll(); }, std::chrono::seconds(30));
        if (port) port->start(*qmp);
    } catch (const std::exception& e) { log(std::string("no QMP connection, so no virtual SKINIT: ") + e.what()); }

    bool timed_out = false;
    int status;
    for (;;) {
        if (auto ended = qemu.wait_for(std::chrono::milliseconds(20))) {
            status = *ended;
            break;
        }
        if (g_signal) {
            log("interrupted (signal " + std::to_string(g_signal) + "): stopping QEMU");
            status = qemu.stop();
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            log("time limit: QEMU still running after " + std::to_string(o.timeout_s) + " s; stopping it");
            qemu.stop();
            timed_out = true;
            status = EXIT_TIMEOUT;
            break;
        }
    }
    auto ran = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!timed_out && !g_signal) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f s", ran);
        log("QEMU exited with " + describe_exit(status) + " after " + seconds);
        if (status != 33 && status != 0) {
            std::string messages = qemu_messages(qemu_log);
            if (!messages.empty()) log("QEMU's messages (all in " + qemu_log.string() + "):\n" + messages);
        }
    }
    if (port) port->stop();
    qmp.reset();
    if (proxy.qemu_sent_shutdown()) log("QEMU had sent CMD_SHUTDOWN; swtpm was kept running for the tool");

    if (!o.pcr_dump.empty()) {
        try {
            nlohmann::json pcrs = proxy.run([](TpmChannel& channel) { return read_drtm_pcrs(channel); });
            write_pcr_dump(o.pcr_dump, pcrs);
            std::string summary;
            for (auto& [bank, values] : pcrs.items())
                summary += " " + bank + ":17=" + values.value("17", std::string("?")).substr(0, 16) + "…";
            log("PCRs 16-19, 23 read after QEMU ended, written to " + o.pcr_dump.string() + ";" + summary);
        } catch (const std::exception& e) { log(std::string("cannot dump the PCRs: ") + e.what()); }
    }
    try {
        proxy.shutdown_swtpm();
    } catch (const std::exception& e) { log(std::string("swtpm did not take CMD_SHUTDOWN: ") + e.what()); }
    proxy.stop();
    swtpm.finish(std::chrono::seconds(3));
    if (g_signal) return 128 + g_signal;
    return status;
}

}  // namespace keel::platform
