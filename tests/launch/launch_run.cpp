#include "launch_run.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace keel::test {
namespace {

constexpr auto POLL = std::chrono::milliseconds(5);

pid_t spawn(const std::vector<std::string>& argv, const std::string& output) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    return pid;
}

int exit_status(int wstatus) { return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1; }

}  // namespace

// The hex lines between "eventlog: begin" and "eventlog: end", as bytes.
std::string event_log_bytes(const std::string& serial) {
    std::regex line("eventlog: ([0-9a-f]+)\r?$");
    std::string bytes;
    std::istringstream in(serial);
    bool inside = false;
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("eventlog: begin", 0) == 0) inside = true;
        if (l.rfind("eventlog: end", 0) == 0) break;
        std::smatch m;
        if (!inside || !std::regex_search(l, m, line)) continue;
        std::string hex = m[1];
        for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    if (!v) throw std::runtime_error(std::string("environment variable ") + name + " not set (run through ctest)");
    return v;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::filesystem::path scratch_root() {
    return std::filesystem::temp_directory_path() / ("keel-launch-" + std::to_string(getpid()));
}

std::string scratch_dir(const std::string& name) {
    auto dir = scratch_root() / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

namespace {

// The scratch files (console, PCR dump, TPM state) stay for a look after a
// failure; after a clean run they go.
class ScratchCleanup : public ::testing::Environment {
public:
    void TearDown() override {
        if (!::testing::UnitTest::GetInstance()->Passed()) {
            std::cerr << "scratch files kept in " << scratch_root() << "\n";
            return;
        }
        std::error_code ec;
        std::filesystem::remove_all(scratch_root(), ec);
    }
};
const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
    static int processes = 0;
    std::string out = scratch_dir("process-" + std::to_string(++processes)) + "/output";
    pid_t pid = spawn(argv, out);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    return {exit_status(wstatus), read_file(out)};
}

LaunchResult launch(const std::string& iso, const std::string& banks, const std::string& name,
                    const std::vector<std::string>& extra, int timeout_s) {
    std::string dir = scratch_dir(name);
    LaunchResult r;
    std::string serial = dir + "/serial.txt";
    r.pcrs_file = dir + "/pcrs.json";
    r.event_log_file = dir + "/eventlog.bin";
    std::vector<std::string> argv = {env("KEEL_PLATFORM"),
                                     "run",
                                     "--iso",
                                     iso,
                                     "--state-dir",
                                     dir + "/state",
                                     "--banks",
                                     banks,
                                     "--serial",
                                     serial,
                                     "--pcr-dump",
                                     r.pcrs_file,
                                     "--timeout",
                                     std::to_string(timeout_s)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_t pid = spawn(argv, dir + "/platform.log");

    using clock = std::chrono::steady_clock;
    std::optional<clock::time_point> requested, entered;
    int wstatus = 0;
    while (waitpid(pid, &wstatus, WNOHANG) == 0) {
        if (!entered) {
            std::string text = read_file(serial);
            if (!requested && text.find("requesting an emulated SKINIT") != std::string::npos) requested = clock::now();
            if (requested && text.find("Keel microhypervisor") != std::string::npos) entered = clock::now();
        }
        std::this_thread::sleep_for(POLL);
    }
    r.status = exit_status(wstatus);
    r.serial = read_file(serial);
    r.platform = read_file(dir + "/platform.log");
    if (requested && entered)
        r.request_to_hypervisor = std::chrono::duration_cast<std::chrono::milliseconds>(*entered - *requested);
    std::ofstream(r.event_log_file, std::ios::binary) << event_log_bytes(r.serial);
    return r;
}

std::string measure(const std::string& iso_tree, const std::string& banks, const std::string& name,
                    const std::string& memory_map) {
    std::string out = scratch_dir("measure-" + name) + "/reference.json";
    std::vector<std::string> argv = {env("KEEL_CLI"), "measure", "--grub-cfg", iso_tree + "/boot/grub/grub.cfg",
                                     "--banks",       banks,     "-o",         out};
    if (!memory_map.empty()) argv.insert(argv.end(), {"--memory-map", memory_map});
    auto r = run_process(argv);
    if (r.status != 0) throw std::runtime_error("keel measure failed: " + r.output);
    return out;
}

std::string hypervisor_memory_map(const LaunchResult& r, const std::string& name) {
    std::string path = scratch_dir("memory-map-" + name) + "/memory-map.txt";
    std::ofstream out(path);
    std::regex entry(R"(^mem: (0x[0-9a-f]+-0x[0-9a-f]+ .*?)\r?$)");
    std::istringstream in(r.serial);
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_match(l, m, entry)) out << m[1] << "\n";
    }
    return path;
}

}  // namespace keel::test
