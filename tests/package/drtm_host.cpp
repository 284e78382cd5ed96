// keel-package-drtm-host DIR: a software TPM that went through a dynamic
// launch, for package.fresh_debian_root (fresh_debian_root.sh), whose
// installed keel-agent quotes it. The swtpm tests' own pieces: swtpm made by
// their fixture (swtpm_setup with EK certificates from swtpm-localca, banks
// sha1 and sha256, served on 127.0.0.1), the launch as the flow tests'
// simulated host performs it (the locality-4 hash sequence over the SLB, then
// locality-2 extends of the other components) and the DRTM log and reference
// values that launch gives (synthetic_launch.hpp).
//
// Writes DIR/drtm.bin (the DRTM event log), DIR/reference.json (`keel
// measure`'s reference values for that launch) and, last, DIR/tcti
// ("swtpm:host=127.0.0.1,port=P"), then serves until SIGTERM, SIGINT or
// SIGHUP, when swtpm is stopped and its state directory (under TMPDIR) is
// removed. Exit 1 with a message when any step fails.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <pthread.h>
#include <sys/prctl.h>
#include <tss2/tss2_tpm2_types.h>

#include "swtpm_fixture.hpp"
#include "tests/attestation/verifier/synthetic_launch.hpp"

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
    const auto partial = path.string() + ".partial";
    std::ofstream(partial, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
    std::filesystem::rename(partial, path);  // whoever waits for it sees it whole
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: keel-package-drtm-host DIR\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    using namespace keel::test;
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // the test gone (killed): swtpm stopped all the same
    try {
        const std::vector<std::uint16_t> banks = {TPM2_ALG_SHA1, TPM2_ALG_SHA256};
        Swtpm tpm(SwtpmOptions{"sha1,sha256"});
        const auto components = keel_components();
        const auto log = drtm_log(banks, components);
        write_file(dir / "drtm.bin", std::string(log.begin(), log.end()));
        write_file(dir / "reference.json", reference_json(banks, components));
        // SKINIT: the CPU hashes the SLB at locality 4; the SLB extends the rest at locality 2.
        tpm.hash_sequence(components.front().measured);
        for (std::size_t i = 1; i < components.size(); ++i) {
            std::map<std::uint16_t, Bytes> digests;
            for (auto bank : banks) digests[bank] = bank_digest(bank, components[i].measured);
            tpm.extend(components[i].pcr, 2, digests);
        }
        // Blocked only now: swtpm, started above, must not inherit the mask.
        sigset_t stop;
        sigemptyset(&stop);
        for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop, s);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);
        write_file(dir / "tcti", tpm.tcti() + "\n");
        int signal = 0;
        sigwait(&stop, &signal);
    } catch (const std::exception& e) {
        std::cerr << "keel-package-drtm-host: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
