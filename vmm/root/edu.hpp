// QEMU's "edu" teaching device, driven by the root task's probes as the
// device under test: it copies between RAM and a 4 KiB buffer of its own
// (DMA) and raises its interrupt line on request (QEMU's hw/misc/edu.c,
// docs/specs/edu.rst).
#pragma once
#include <stdint.h>

#include "abi/hip.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::root {

class Edu {
public:
    static constexpr uint32_t ID = 0x11e81234;  // vendor 1234, device 11e8
    static constexpr uint64_t BUFFER = 0x40000;  // its own buffer, in its address space
    static constexpr uint64_t DMA_LIMIT = 1ull << 28;  // its DMA mask
    static constexpr uint64_t BYTES = 256;  // per transfer (QEMU 7.2's edu checks the range strictly)

    explicit Edu(uint64_t registers, uint64_t tsc_khz)
        : r_(reinterpret_cast<volatile uint64_t*>(registers)), tsc_khz_(tsc_khz) {}
    // Registers below 0x80 take 4-byte accesses only.
    uint32_t id() const { return *reinterpret_cast<volatile uint32_t*>(r_); }
    // RAM (device address `from`) into the buffer.
    bool read(uint64_t from) { return run(from, BUFFER, 1); }
    // The buffer into RAM at device address `to`.
    bool write(uint64_t to) { return run(BUFFER, to, 3); }
    // Its interrupt line: asserted until lowered.
    void raise_interrupt() { reinterpret_cast<volatile uint32_t*>(r_)[0x60 / 4] = 1; }
    void lower_interrupt() { reinterpret_cast<volatile uint32_t*>(r_)[0x64 / 4] = 1; }

private:
    // Registers at 0x80 (source), 0x88 (destination), 0x90 (count), 0x98
    // (command: bit 0 runs, bit 1 says towards RAM; cleared when done).
    bool run(uint64_t src, uint64_t dst, uint64_t command) {
        r_[0x80 / 8] = src;
        r_[0x88 / 8] = dst;
        r_[0x90 / 8] = BYTES;
        r_[0x98 / 8] = command;
        uint64_t deadline = user::rdtsc() + tsc_khz_ * 5000;
        while (r_[0x98 / 8] & 1)
            if (user::rdtsc() > deadline) return false;
        return true;
    }
    volatile uint64_t* r_;
    uint64_t tsc_khz_;
};

// edu's function and its registers (BAR 0) in the information page; 0 if
// the root task was given none.
struct EduFound {
    uint16_t device = 0;
    uint64_t registers = 0;
};
inline EduFound find_edu(const abi::Hip& hip) {
    EduFound f;
    bool edu = false;
    for (uint32_t i = 0; i < hip.memory_count; ++i) {
        const abi::HipMemory& m = hip.memory[i];
        if (m.kind == uint32_t(abi::HipMemoryKind::PciFunction)) edu = uint32_t(m.address) == Edu::ID;
        if (edu && m.kind == uint32_t(abi::HipMemoryKind::PciFunction)) f.device = uint16_t(m.aux);
        if (edu && m.kind == uint32_t(abi::HipMemoryKind::DeviceMemory) && (m.aux >> 16) == 0 && !f.registers)
            f.registers = m.address;
    }
    return f;
}

}  // namespace keel::root
