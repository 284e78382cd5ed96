#include "swtpm_process.hpp"

#include <fstream>
#include <sstream>
#include <thread>

#include "log.hpp"
#include "setup_error.hpp"

namespace keel::platform {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool has_tpm2_state(const fs::path& tpm_dir) { return fs::exists(tpm_dir / "tpm2-00.permall"); }

}  // namespace

void require_swtpm_tools() {
    if (!find_program("swtpm")) throw SetupError("swtpm not found on PATH: install the Debian package swtpm");
    if (!find_program("swtpm_setup"))
        throw SetupError("swtpm_setup not found on PATH: install the Debian package swtpm-tools");
}

void ensure_tpm_state(const fs::path& state_dir, const std::string& banks) {
    fs::path tpm_dir = state_dir / "tpm", banks_file = state_dir / "banks";
    if (has_tpm2_state(tpm_dir)) {
        std::string made_with = read_text(banks_file);
        while (!made_with.empty() && (made_with.back() == '\n' || made_with.back() == ' ')) made_with.pop_back();
        if (made_with == banks) {
            log("TPM state in " + tpm_dir.string() + " (PCR banks " + banks + ")");
            return;
        }
        log("TPM state in " + tpm_dir.string() + " was made with PCR banks '" + made_with + "', not '" + banks +
            "': re-creating it");
    }
    fs::create_directories(tpm_dir);
    fs::remove(banks_file);
    fs::path setup_log = state_dir / "swtpm_setup.log";
    log("creating a TPM 2.0 state with PCR banks " + banks + " and EK certificates (swtpm_setup)");
    ChildProcess setup(
        {.argv = {"swtpm_setup", "--tpm2", "--tpmstate", tpm_dir.string(), "--createek", "--create-ek-cert",
                  "--create-platform-cert", "--lock-nvram", "--pcr-banks", banks, "--overwrite"},
         .stdout_path = setup_log,
         .stderr_path = setup_log});
    std::optional<int> status = setup.wait_for(std::chrono::minutes(2));
    if (status != 0 || !has_tpm2_state(tpm_dir)) {
        std::string output = read_text(setup_log);
        throw SetupError("swtpm_setup failed" + (status ? " (exit status " + std::to_string(*status) + ")" : "") +
                         ":\n" + output);
    }
    std::ofstream(banks_file) << banks << "\n";
}

SwtpmProcess::SwtpmProcess(const fs::path& state_dir) : ctrl_path_(state_dir / "swtpm.ctrl") {
    fs::remove(ctrl_path_);
    fs::path output = state_dir / "swtpm.out";
    process_ = std::make_unique<ChildProcess>(
        SpawnOptions{.argv = {"swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + (state_dir / "tpm").string(),
                              "--ctrl", "type=unixio,path=" + ctrl_path_.string(), "--flags", "startup-clear", "--log",
                              "file=" + (state_dir / "swtpm.log").string()},
                     .stdout_path = output,
                     .stderr_path = output,
                     .own_process_group = true});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!fs::exists(ctrl_path_)) {
        if (auto status = process_->poll())
            throw SetupError("swtpm ended with status " + std::to_string(*status) + ":\n" + read_text(output));
        if (std::chrono::steady_clock::now() > deadline)
            throw SetupError("swtpm did not create " + ctrl_path_.string() + " within 10 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    log("swtpm started (pid " + std::to_string(process_->pid()) + "), control socket " + ctrl_path_.string());
}

int SwtpmProcess::finish(std::chrono::milliseconds grace) {
    if (auto status = process_->wait_for(grace)) return *status;
    return process_->stop();
}

}  // namespace keel::platform
