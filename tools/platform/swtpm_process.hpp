// The software TPM: its state (made by swtpm_setup with EK certificates from
// swtpm's local CA) and the swtpm process serving it. swtpm gets only a
// control socket; its data channel arrives later as a file descriptor
// (CMD_SET_DATAFD) from the control-channel proxy.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "child_process.hpp"

namespace keel::platform {

// Checks that swtpm and swtpm_setup are installed (SetupError names the
// Debian packages otherwise).
void require_swtpm_tools();

// Makes `state_dir`/tpm hold a TPM 2.0 state with the PCR banks `banks`
// (e.g. "sha1,sha256"), re-creating it when it was made with other banks.
void ensure_tpm_state(const std::filesystem::path& state_dir, const std::string& banks);

class SwtpmProcess {
public:
    // Starts swtpm on `state_dir`/tpm with its control socket at
    // `state_dir`/swtpm.ctrl and waits until that socket exists.
    explicit SwtpmProcess(const std::filesystem::path& state_dir);

    const std::filesystem::path& ctrl_path() const { return ctrl_path_; }
    // Waits for swtpm to end by itself (after CMD_SHUTDOWN), else stops it.
    int finish(std::chrono::milliseconds grace);

private:
    std::filesystem::path ctrl_path_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace keel::platform
