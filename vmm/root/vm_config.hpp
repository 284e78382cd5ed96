// One line of the boot configuration (the measured module "config"): a VM
// the root task starts. Two kinds:
//   vm NAME [timeout=MS] [cpu=N]
//       a real-mode guest: the module "guest NAME", run by the module "vmm";
//   linux NAME mem=MIB [vcpus=N] [tpm] [pci=BB:DD.F gsi=N] [timeout=MS] [cpu=N]
//       [-- COMMAND LINE]    (MIB even, 96-2048)
//       a Linux guest: the modules "kernel NAME" (a bzImage) and, if there
//       is one, "initrd NAME", run by the module "vmm-linux" with MIB MiB of
//       RAM; the words after "--" are the kernel's command line. `tpm`: the
//       management VM, which gets TPM locality 0 and the DRTM event log (at
//       most one VM: the root task refuses a second). `pci=`: the host's PCI
//       function BB:DD.F (hex) assigned to the guest (its DMA confined to
//       the guest's RAM by the IOMMU, its registers mapped where the host
//       has them), whose INTx reaches the host's I/O APIC at pin `gsi`
//       (said, not guessed: only the firmware's ACPI knows the routing).
// Pure: unit-tested and fuzzed on the host.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/string.hpp"

namespace keel::root {

enum class VmKind : uint8_t { RealMode, Linux };

struct VmSpec {
    VmKind kind;
    StringView name;
    uint64_t timeout_ms;  // 0: none
    bool has_cpu;
    uint64_t cpu;
    uint64_t mem_mib;  // Linux
    uint64_t vcpus;  // Linux: 1 unless said
    bool tpm;  // Linux: gets TPM locality 0 and the DRTM event log
    StringView command_line;  // Linux: after "--", may be empty
    bool has_pci;  // Linux: a device assigned
    uint16_t pci;  // its requester ID: bus << 8 | device << 3 | function
    uint64_t gsi;  // its INTx's host I/O APIC pin
};

// "BB:DD.F" in hex (device 0-1f, function 0-7) as a requester ID.
bool parse_pci_address(StringView text, uint16_t& out);

inline constexpr size_t VM_NAME_MAX = 47;
// At most 2 GiB: the initrd lies at the top of RAM and a 64-bit kernel reads
// it only below 2 GiB (initrd_addr_max).
inline constexpr uint64_t LINUX_MEM_MIN_MIB = 96, LINUX_MEM_MAX_MIB = 2048;
inline constexpr uint64_t LINUX_VCPUS_MAX = 8;
inline constexpr size_t LINUX_CMDLINE_MAX = 2047;  // what the kernel reads

enum class LineKind : uint8_t { Blank, Vm, Invalid };
// A blank or comment line is Blank; a valid VM line fills `out`; anything
// else is Invalid with `why` saying what is wrong.
LineKind parse_vm_line(StringView line, VmSpec& out, const char*& why);

}  // namespace keel::root
