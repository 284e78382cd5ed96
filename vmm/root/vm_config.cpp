#include "vmm/root/vm_config.hpp"

namespace keel::root {
namespace {

LineKind invalid(const char*& why, const char* reason) {
    why = reason;
    return LineKind::Invalid;
}

// `key=NUMBER` once: true if the word is that key (then `ok` says whether
// its number parsed and was not given before).
bool option(StringView word, StringView key, uint64_t& value, bool& seen, bool& ok) {
    if (!word.starts_with(key)) return false;
    ok = ok && !seen && parse_u64(word.substr(key.size), value);
    seen = true;
    return true;
}

}  // namespace

bool parse_pci_address(StringView text, uint16_t& out) {
    auto hex = [&](size_t at, size_t digits, unsigned& value) {
        value = 0;
        for (size_t i = at; i < at + digits; ++i) {
            char c = text[i];
            unsigned d = c >= '0' && c <= '9'   ? unsigned(c - '0')
                         : c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10)
                         : c >= 'A' && c <= 'F' ? unsigned(c - 'A' + 10)
                                                : 16u;
            if (d == 16) return false;
            value = value * 16 + d;
        }
        return true;
    };
    unsigned bus, device, function;
    if (text.size != 7 || text[2] != ':' || text[5] != '.' || !hex(0, 2, bus) || !hex(3, 2, device) ||
        !hex(6, 1, function) || device > 31 || function > 7)
        return false;
    out = uint16_t(bus << 8 | device << 3 | function);
    return true;
}

LineKind parse_vm_line(StringView line, VmSpec& out, const char*& why) {
    out = {};
    out.vcpus = 1;
    StringView kind = nth_word(line, 0);
    if (kind.empty() || kind[0] == '#') return LineKind::Blank;
    if (kind == "vm")
        out.kind = VmKind::RealMode;
    else if (kind == "linux")
        out.kind = VmKind::Linux;
    else
        return invalid(why, "a line starts with 'vm' or 'linux'");
    out.name = nth_word(line, 1);
    if (out.name.empty() || out.name == "--") return invalid(why, "no VM name");
    if (out.name.size > VM_NAME_MAX) return invalid(why, "the VM's name is longer than 47 characters");
    bool ok = true, seen_timeout = false, seen_cpu = false, seen_mem = false, seen_vcpus = false;
    bool seen_tpm = false, seen_gsi = false;
    unsigned w = 2;
    for (StringView word = nth_word(line, w); !word.empty(); word = nth_word(line, ++w)) {
        if (word == "--") break;
        const bool is_linux = out.kind == VmKind::Linux;
        if (option(word, "timeout=", out.timeout_ms, seen_timeout, ok)) {
            ok = ok && out.timeout_ms > 0;
        } else if (option(word, "cpu=", out.cpu, seen_cpu, ok)) {
            out.has_cpu = true;
        } else if (is_linux && option(word, "mem=", out.mem_mib, seen_mem, ok)) {
        } else if (is_linux && option(word, "vcpus=", out.vcpus, seen_vcpus, ok)) {
        } else if (is_linux && word == "tpm") {
            ok = !seen_tpm;
            seen_tpm = out.tpm = true;
        } else if (is_linux && word.starts_with("pci=")) {
            if (out.has_pci || !parse_pci_address(word.substr(4), out.pci))
                return invalid(why, "pci= is given twice or is not BB:DD.F (hex)");
            out.has_pci = true;
        } else if (is_linux && option(word, "gsi=", out.gsi, seen_gsi, ok)) {
        } else {
            return invalid(why, is_linux
                                    ? "an option is not timeout=MS, cpu=N, mem=MIB, vcpus=N, tpm, pci=BB:DD.F or gsi=N"
                                    : "an option is not timeout=MS or cpu=N");
        }
        if (!ok) return invalid(why, "an option is given twice or its number does not parse");
    }
    if (nth_word(line, w) == "--") {
        if (out.kind != VmKind::Linux) return invalid(why, "only a Linux VM has a command line ('--')");
        // The command line: everything after the first " -- ", as written.
        size_t at = 0;
        for (unsigned n = 0; n <= w; ++n) {
            while (at < line.size && line[at] == ' ') ++at;
            while (at < line.size && line[at] != ' ') ++at;
        }
        while (at < line.size && line[at] == ' ') ++at;
        out.command_line = line.substr(at);
        while (!out.command_line.empty() && out.command_line[out.command_line.size - 1] == ' ') --out.command_line.size;
        if (out.command_line.size > LINUX_CMDLINE_MAX)
            return invalid(why, "the command line is longer than 2047 bytes");
    }
    if (out.kind == VmKind::Linux) {
        if (!seen_mem) return invalid(why, "a Linux VM needs mem=MIB");
        if (out.mem_mib < LINUX_MEM_MIN_MIB || out.mem_mib > LINUX_MEM_MAX_MIB)
            return invalid(why, "mem= must be 96 to 2048 (MiB)");
        // Guest RAM goes in 2 MiB pieces: an odd size would hand the guest
        // the start of whatever the root task allocates next.
        if (out.mem_mib % 2) return invalid(why, "mem= must be even (RAM is mapped in 2 MiB pieces)");
        if (out.vcpus < 1 || out.vcpus > LINUX_VCPUS_MAX) return invalid(why, "vcpus= must be 1 to 8");
        if (out.has_pci != seen_gsi)
            return invalid(why, "pci=BB:DD.F and gsi=N go together (the device and the host pin of its INTx)");
        // A PCI line: the kernel masks it from arrival until the VMM's next
        // down (level-triggered, active low: GSI 16-23 on the I/O APIC).
        if (seen_gsi && (out.gsi < 16 || out.gsi > 23)) return invalid(why, "gsi= must be 16 to 23 (a PCI INTx line)");
    }
    return LineKind::Vm;
}

}  // namespace keel::root
