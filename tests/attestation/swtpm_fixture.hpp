// A fresh software TPM per test: swtpm_setup manufactures it (EK
// certificates, PCR banks as asked) in a temporary directory, and swtpm
// serves it over TCP on 127.0.0.1 without a resource manager, so a test sees
// every handle a client leaves behind. The directory and the process go away
// with the object.
//
// swtpm serves one TPM connection at a time: while an Attester (or any other
// TCTI client) is connected, another connection waits. So the TPM operations
// here, restart() and tpm2-tools commands must run while no Attester exists.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "unique_fd.hpp"

namespace keel::test {

using Bytes = std::vector<std::uint8_t>;

struct SwtpmOptions {
    std::string pcr_banks = "sha1,sha256,sha384";  // swtpm_setup --pcr-banks
};

class Swtpm {
public:
    // Throws std::runtime_error saying what is missing or what swtpm said.
    explicit Swtpm(const SwtpmOptions& options = {});
    ~Swtpm();
    Swtpm(const Swtpm&) = delete;
    Swtpm& operator=(const Swtpm&) = delete;

    // For AttesterOptions::tcti and TPM2TOOLS_TCTI: "swtpm:host=127.0.0.1,port=P".
    std::string tcti() const;
    // A scratch directory for the test's own files, removed with the fixture.
    const std::filesystem::path& dir() const { return dir_; }

    // A reboot: TPM2_Shutdown(CLEAR), swtpm stopped and started again on the
    // same state and ports. Throws unless the TPM's resetCount went up.
    void restart();
    std::uint32_t reset_count();  // TPMS_CLOCK_INFO.resetCount (TPM2_ReadClock)

    // A DRTM launch as the CPU makes it (TPM_HASH_START/DATA/END at
    // locality 4, through swtpm's control channel): PCRs 17-22 are reset to
    // zero and PCR 17 becomes H(0 || H(data)) in every bank.
    void hash_sequence(std::span<const std::uint8_t> data);

    // TPM2_PCR_Extend at `locality` (the PC Client profile lets only
    // localities 2-4 extend PCRs 17-19), one digest per bank (TPM_ALG_ID).
    // Throws keel::tpm::TpmError when the TPM refuses.
    void extend(std::uint32_t pcr, std::uint8_t locality, const std::map<std::uint16_t, Bytes>& digests);
    Bytes pcr_read(std::uint16_t bank, std::uint32_t pcr);

    // Transient objects and sessions loaded in the TPM: what a client that
    // forgets to flush leaves behind.
    std::size_t loaded_handles();

private:
    void start_first_time();
    void start_on_current_ports();
    void wait_until_serving();
    void stop();
    std::string swtpm_messages() const;

    std::filesystem::path dir_, state_dir_;
    std::uint16_t port_ = 0;  // the TPM's; the control channel is port_ + 1
    platform::UniqueFd control_listener_;  // ours, handed to each swtpm, so the control port stays ours
    std::unique_ptr<platform::ChildProcess> process_;
};

}  // namespace keel::test
