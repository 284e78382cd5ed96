#include "qemu_process.hpp"

namespace keel::platform {

std::vector<std::string> qemu_command_line(const QemuConfig& c) {
    const auto& dir = c.state_dir;
    std::vector<std::string> argv = {c.qemu, "-accel", "tcg", "-cpu", c.cpu, "-m", std::to_string(c.memory_mib),
                                     "-display", "none", "-no-reboot", "-device",
                                     "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                     // The TPM: QEMU talks to the proxy, which talks to swtpm.
                                     "-chardev", "socket,id=chrtpm,path=" + (dir / "tpm.ctrl").string(), "-tpmdev",
                                     "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0", "-qmp",
                                     "unix:" + (dir / "qmp.sock").string() + ",server=on,wait=off", "-serial",
                                     c.serial.empty() ? std::string("stdio") : "file:" + c.serial.string()};
    // An AMD platform with an IOMMU (q35 and QEMU's AMD-Vi model), which the
    // secure loader programs to block all device DMA before it measures.
    // With interrupt remapping, as AMD hardware has it: the SLB's entries
    // then block every device's interrupts, the I/O APIC's included, until
    // the hypervisor lets the I/O APIC's fixed ones through (assign_int).
    if (c.iommu) argv.insert(argv.end(), {"-machine", "q35", "-device", "amd-iommu,intremap=on"});
    if (c.platform_port) {
        argv.insert(argv.end(), {"-chardev", "socket,id=keelplat,path=" + (dir / "platform.sock").string(), "-serial",
                                 "chardev:keelplat"});
    }
    if (!c.firmware.empty()) argv.insert(argv.end(), {"-bios", c.firmware.string()});
    if (!c.kernel.empty())
        argv.insert(argv.end(), {"-kernel", c.kernel.string()});
    else
        argv.insert(argv.end(), {"-cdrom", c.iso.string()});
    argv.insert(argv.end(), c.extra.begin(), c.extra.end());
    return argv;
}

}  // namespace keel::platform
