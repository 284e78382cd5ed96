// QEMU's command line for a Keel machine with the emulated platform: the
// TPM through the proxy, COM1 as the console, COM2 as the platform port,
// QMP, and the isa-debug-exit device that gives Keel's exit status.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace keel::platform {

struct QemuConfig {
    std::string qemu = "qemu-system-x86_64";
    std::filesystem::path iso;  // booted with -cdrom
    std::filesystem::path kernel;  // test guests: a Multiboot 1 ELF32 with -kernel instead
    std::filesystem::path firmware;
    std::filesystem::path serial;  // empty: QEMU's stdio
    std::string cpu = "EPYC,+svm,+npt";
    unsigned memory_mib = 512;
    bool platform_port = true;
    bool iommu = true;  // q35 with QEMU's AMD IOMMU
    std::filesystem::path state_dir;
    std::vector<std::string> extra;  // appended as given
};

std::vector<std::string> qemu_command_line(const QemuConfig& config);

}  // namespace keel::platform
