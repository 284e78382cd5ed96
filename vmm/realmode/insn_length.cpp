#include "vmm/realmode/insn_length.hpp"

namespace keel::vmm {
namespace {

constexpr size_t MAX_LENGTH = 15;  // the architectural limit

bool legacy_prefix(uint8_t b) {
    switch (b) {
    case 0x26:
    case 0x2e:
    case 0x36:
    case 0x3e:
    case 0x64:
    case 0x65:  // segment overrides
    case 0x66:
    case 0x67:  // operand and address size
    case 0xf0:
    case 0xf2:
    case 0xf3:  // LOCK, REPNE, REP
        return true;
    default: return false;
    }
}

}  // namespace

unsigned exit_instruction_length(const uint8_t* b, size_t available) {
    // CPUID without prefixes: by far the most frequent exit that needs this.
    if (available >= 2 && b[0] == 0x0f && b[1] == 0xa2) return 2;
    size_t n = available < MAX_LENGTH ? available : MAX_LENGTH;
    size_t i = 0;
    while (i < n && legacy_prefix(b[i])) ++i;
    if (i < n && b[i] == 0xf4) return unsigned(i + 1);  // HLT
    if (i + 1 >= n || b[i] != 0x0f) return 0;
    uint8_t op = b[i + 1];
    if (op == 0xa2 || op == 0x30 || op == 0x32) return unsigned(i + 2);  // CPUID, WRMSR, RDMSR
    if (op == 0x01 && i + 2 < n && (b[i + 2] == 0xd9 || b[i + 2] == 0xd1)) return unsigned(i + 3);  // VMMCALL, XSETBV
    return 0;
}

}  // namespace keel::vmm
