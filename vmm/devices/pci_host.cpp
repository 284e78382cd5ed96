#include "vmm/devices/pci_host.hpp"

namespace keel::vmm::dev {

namespace {
constexpr uint32_t ENABLE = 0x80000000;
// Bus, device, function and the dword register; the reserved bits 30-24 and
// 1-0 read as zero.
constexpr uint32_t ADDRESS_BITS = ENABLE | 0x00fffffc;
constexpr uint32_t ones(unsigned size) { return size == 4 ? ~0u : (1u << (8 * size)) - 1; }
constexpr bool valid_size(unsigned size) { return size == 1 || size == 2 || size == 4; }
}  // namespace

bool PciHost::add(const PciFunction& f) {
    if (count_ == MAX_FUNCTIONS || f.device > 31 || f.function > 7 || !f.read || !f.write) return false;
    for (size_t i = 0; i < count_; ++i) {
        const PciFunction& g = functions_[i];
        if (g.bus == f.bus && g.device == f.device && g.function == f.function) return false;
    }
    functions_[count_++] = f;
    return true;
}

const PciFunction* PciHost::selected() const {
    if (!(address_ & ENABLE)) return nullptr;
    unsigned bus = address_ >> 16 & 0xff, device = address_ >> 11 & 31, function = address_ >> 8 & 7;
    for (size_t i = 0; i < count_; ++i) {
        const PciFunction& f = functions_[i];
        if (f.bus == bus && f.device == device && f.function == function) return &f;
    }
    return nullptr;
}

bool PciHost::read(uint16_t port, unsigned size, uint32_t& value) {
    if (!valid_size(size)) return false;
    if (port == 0xcf8 && size == 4) {
        value = address_;
        return true;
    }
    if (port < 0xcfc || port + size > 0xd00) return false;
    const PciFunction* f = selected();
    value = f ? f->read(f->ctx, uint16_t((address_ & 0xfc) + (port & 3)), size) & ones(size) : ones(size);
    return true;
}

bool PciHost::write(uint16_t port, unsigned size, uint32_t value) {
    if (!valid_size(size)) return false;
    if (port == 0xcf8 && size == 4) {
        address_ = value & ADDRESS_BITS;
        return true;
    }
    if (port < 0xcfc || port + size > 0xd00) return false;
    if (const PciFunction* f = selected())
        f->write(f->ctx, uint16_t((address_ & 0xfc) + (port & 3)), size, value & ones(size));
    return true;
}

bool PciHost::port_io(void* ctx, uint16_t port, unsigned size, bool write, uint32_t& value) {
    auto* host = static_cast<PciHost*>(ctx);
    return write ? host->write(port, size, value) : host->read(port, size, value);
}

PciHostBridge::PciHostBridge() {
    auto put16 = [this](unsigned at, uint16_t v) {
        config_[at] = uint8_t(v);
        config_[at + 1] = uint8_t(v >> 8);
    };
    put16(0x00, 0x8086);  // Intel
    put16(0x02, 0x1237);  // 82441FX (440FX)
    put16(0x04, 0x0006);  // command: memory space, bus master
    put16(0x06, 0x0000);  // status: no capabilities list
    config_[0x08] = 0x02;  // revision
    config_[0x0b] = 0x06;  // class: bridge
    config_[0x0a] = 0x00;  // subclass: host bridge
    config_[0x0e] = 0x00;  // header type 0, single function
}

uint32_t PciHostBridge::read(void* ctx, uint16_t offset, unsigned size) {
    const uint8_t* config = static_cast<PciHostBridge*>(ctx)->config_;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && offset + i < 256; ++i) v |= uint32_t(config[offset + i]) << (8 * i);
    return v;
}

}  // namespace keel::vmm::dev
