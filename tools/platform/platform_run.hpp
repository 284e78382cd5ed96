// `keel-platform run`: sets up swtpm, the TPM proxy and the platform port,
// runs QEMU until the guest powers off (or the time limit), dumps the DRTM
// PCRs if asked, and shuts everything down again.
#pragma once
#include <filesystem>
#include <string>

#include "qemu_process.hpp"

namespace keel::platform {

struct RunOptions {
    QemuConfig qemu;
    std::filesystem::path state_dir;
    std::string banks = "sha256";
    // Attack mode for tests: answer a virtual SKINIT without the locality-4
    // hash sequence, as a hostile peer on COM2 would (PCR 17 is not reset).
    bool launch_without_reset = false;
    unsigned timeout_s = 120;
    std::filesystem::path pcr_dump;
    bool verbose = false;
};

constexpr int EXIT_TIMEOUT = 124;
constexpr int EXIT_SETUP = 2;

// QEMU's exit status (33: Keel's success), EXIT_TIMEOUT, or 128 + signal if
// the tool was interrupted. Throws SetupError for set-up problems.
int run_platform(RunOptions options);

}  // namespace keel::platform
