#include "vmm/devices/assigned_pci.hpp"

namespace keel::vmm::dev {
namespace {

constexpr unsigned COMMAND = 0x04, STATUS = 0x06, HEADER_TYPE = 0x0e, BAR0 = 0x10, ROM = 0x30, CAPABILITIES = 0x34,
                   LINE = 0x3c;
constexpr uint16_t STATUS_CAPABILITIES = 1 << 4;
constexpr uint32_t BAR_IO = 1, BAR_64 = 4, BAR_TYPE_MASK = 6;

uint32_t load32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
void store32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}

}  // namespace

void AssignedPciFunction::load(const uint8_t (&config)[256], const uint64_t (&bar_bytes)[BARS], uint8_t line) {
    for (unsigned i = 0; i < 256; ++i) config_[i] = config[i];
    for (unsigned i = 0; i < BARS; ++i) {
        bar_mask_[i] = bar_type_[i] = 0;
        sizing_[i] = false;
    }
    for (unsigned i = 0; i < BARS; ++i) {
        uint32_t bar = load32(config_ + BAR0 + 4 * i);
        const bool wide = !(bar & BAR_IO) && (bar & BAR_TYPE_MASK) == BAR_64;
        const uint64_t size = bar_bytes[i];
        // A power of two, at least a page: what the VMM mapped (a 64-bit BAR
        // in the last slot has no upper half: absent).
        if (!(bar & BAR_IO) && size >= 0x1000 && !(size & (size - 1)) && (!wide || i + 1 < BARS)) {
            bar_mask_[i] = uint32_t(~(size - 1)) & ~0xfu;
            bar_type_[i] = bar & 0xf;
            if (wide) bar_mask_[i + 1] = uint32_t(~(size - 1) >> 32);
        } else {
            store32(config_ + BAR0 + 4 * i, 0);
            if (wide && i + 1 < BARS) store32(config_ + BAR0 + 4 * (i + 1), 0);
        }
        if (wide) ++i;
    }
    store32(config_ + ROM, 0);
    config_[HEADER_TYPE] &= 0x7f;
    config_[LINE] = line;
    unlink_capabilities();
}

// Walks the list (at most 48 entries: a looping list ends) and takes MSI
// and MSI-X out of it.
void AssignedPciFunction::unlink_capabilities() {
    if (!(config_[STATUS] & STATUS_CAPABILITIES)) return;
    unsigned link = CAPABILITIES;  // where the pointer to the current entry is
    for (unsigned n = 0; n < 48; ++n) {
        uint8_t at = config_[link] & 0xfc;
        if (at < 0x40) {
            config_[link] = 0;
            break;
        }
        uint8_t id = config_[at];
        if (id == CAP_MSI || id == CAP_MSIX)
            config_[link] = config_[at + 1];  // skip it; look at what followed it
        else
            link = at + 1u;
    }
    if (!(config_[CAPABILITIES] & 0xfc)) config_[STATUS] &= uint8_t(~STATUS_CAPABILITIES);
}

uint32_t AssignedPciFunction::dword(unsigned index) const {
    unsigned bar = index - BAR0 / 4;
    if (index >= BAR0 / 4 && bar < BARS && sizing_[bar]) return bar_mask_[bar] | bar_type_[bar];
    return load32(config_ + 4 * index);
}

uint32_t AssignedPciFunction::read(void* ctx, uint16_t offset, unsigned size) {
    auto* f = static_cast<AssignedPciFunction*>(ctx);
    uint64_t two = uint64_t(f->dword(offset / 4)) | uint64_t(offset / 4 + 1 < 64 ? f->dword(offset / 4 + 1) : 0) << 32;
    uint64_t v = two >> (8 * (offset % 4));
    return size == 4 ? uint32_t(v) : uint32_t(v & ((1u << (8 * size)) - 1));
}

void AssignedPciFunction::write(void* ctx, uint16_t offset, unsigned size, uint32_t value) {
    auto* f = static_cast<AssignedPciFunction*>(ctx);
    if (offset >= BAR0 && offset < BAR0 + 4 * BARS) {
        if (size != 4 || offset % 4) return;
        unsigned bar = (offset - BAR0) / 4;
        f->sizing_[bar] = f->bar_mask_[bar] && (value & f->bar_mask_[bar]) == f->bar_mask_[bar];
        return;
    }
    // The guest's own registers: the command word and the interrupt line.
    for (unsigned i = 0; i < size; ++i) {
        unsigned at = offset + i;
        if (at == COMMAND || at == COMMAND + 1 || at == LINE) f->config_[at] = uint8_t(value >> (8 * i));
    }
}

}  // namespace keel::vmm::dev
