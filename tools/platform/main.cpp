// keel-platform: the QEMU platform emulator that lets Keel's pre-launch
// stage perform an emulated AMD SKINIT under stock QEMU (TCG) with swtpm.
#include <CLI/CLI.hpp>

#include <exception>

#include "log.hpp"
#include "platform_run.hpp"

int main(int argc, char** argv) {
    using namespace keel::platform;
    RunOptions o;
    CLI::App app{"keel-platform: QEMU platform emulator for Keel (swtpm, TPM control-channel proxy, virtual SKINIT)"};
    app.require_subcommand(1);
    CLI::App* run = app.add_subcommand("run", "boot Keel in QEMU with swtpm and the emulated SKINIT platform");
    run->add_option("--iso", o.qemu.iso, "GRUB ISO image to boot (QEMU -cdrom)");
    // Test guests: a Multiboot 1 ELF32 kernel loaded with QEMU's -kernel instead of an ISO.
    run->add_option("--kernel", o.qemu.kernel, "")->group("");
    run->add_option("--state-dir", o.state_dir, "directory for sockets, the TPM state and logs (created if missing)")
        ->required();
    run->add_option("--banks", o.banks, "PCR banks of a new TPM state (swtpm_setup --pcr-banks)")
        ->capture_default_str();
    run->add_option("--serial", o.qemu.serial, "write the COM1 console to FILE (default: this terminal)");
    run->add_option("--timeout", o.timeout_s, "stop QEMU after SECONDS (exit status 124)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    run->add_option("--pcr-dump", o.pcr_dump, "after QEMU ends, write PCRs 16-19 and 23 of every bank to FILE (JSON)");
    run->add_option("--firmware", o.qemu.firmware, "firmware image (QEMU -bios), e.g. OVMF");
    run->add_option("--cpu", o.qemu.cpu, "QEMU CPU model")->capture_default_str();
    run->add_option("--memory", o.qemu.memory_mib, "guest memory in MiB")
        ->capture_default_str()
        ->check(CLI::Range(16u, 1u << 20));
    bool no_platform_port = false;
    run->add_flag("--no-platform-port", no_platform_port,
                  "do not attach the platform port (COM2), so the guest cannot ask for a virtual SKINIT");
    run->add_flag("--attack-launch-without-reset", o.launch_without_reset,
                  "tests only: answer a virtual SKINIT without resetting PCR 17-22 at locality 4 (a fake launch)")
        ->group("");
    bool no_iommu = false;
    run->add_flag("--no-iommu", no_iommu,
                  "a machine without an IOMMU (QEMU's i440FX 'pc'), on which the SLB cannot block device DMA");
    run->add_option("--qemu", o.qemu.qemu, "QEMU program")->capture_default_str();
    run->add_flag("--verbose", o.verbose, "log every control request and TPM command QEMU sends");
    run->add_option("qemu-args", o.qemu.extra, "extra QEMU arguments, after --");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int status = app.exit(e);  // prints the help (status 0) or the error
        return status == 0 ? 0 : EXIT_SETUP;
    }
    o.qemu.platform_port = !no_platform_port;
    o.qemu.iommu = !no_iommu;
    try {
        return run_platform(std::move(o));
    } catch (const std::exception& e) {  // SetupError, or anything else that stopped the set-up
        log(std::string("error: ") + e.what());
        return EXIT_SETUP;
    }
}
