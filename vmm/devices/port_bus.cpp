#include "vmm/devices/port_bus.hpp"

namespace keel::vmm::dev {

namespace {
constexpr uint32_t mask_of(unsigned size) { return size == 4 ? ~0u : (1u << (8 * size)) - 1; }
constexpr bool valid_size(unsigned size) { return size == 1 || size == 2 || size == 4; }
}  // namespace

bool PortBus::add(uint16_t first, uint16_t last, Handler handler, void* ctx, bool byte_wide) {
    if (count_ == MAX_RANGES || last < first || !handler) return false;
    for (size_t i = 0; i < count_; ++i)
        if (first <= ranges_[i].last && ranges_[i].first <= last) return false;
    ranges_[count_++] = {first, last, handler, ctx, byte_wide};
    return true;
}

// Ports past 0xffff (a wide access at the top of the space) belong to nobody.
const PortBus::Range* PortBus::find(uint32_t port) const {
    for (size_t i = 0; i < count_; ++i)
        if (port >= ranges_[i].first && port <= ranges_[i].last) return &ranges_[i];
    return nullptr;
}

uint32_t PortBus::access_byte(uint32_t port, bool write, uint32_t value) {
    const Range* r = find(port);
    uint32_t v = write ? value & 0xff : 0xff;
    if (!r || !r->handler(r->ctx, uint16_t(port), 1, write, v)) return 0xff;
    return v & 0xff;
}

uint32_t PortBus::read(uint16_t port, unsigned size) {
    if (!valid_size(size)) return ~0u;
    const Range* r = find(port);
    if (r && !r->byte_wide && uint32_t(port) + size - 1 <= r->last) {
        uint32_t v = mask_of(size);
        if (!r->handler(r->ctx, port, size, false, v)) return mask_of(size);
        return v & mask_of(size);
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= access_byte(uint32_t(port) + i, false, 0) << (8 * i);
    return v;
}

void PortBus::write(uint16_t port, unsigned size, uint32_t value) {
    if (!valid_size(size)) return;
    value &= mask_of(size);
    const Range* r = find(port);
    if (r && !r->byte_wide && uint32_t(port) + size - 1 <= r->last) {
        r->handler(r->ctx, port, size, true, value);
        return;
    }
    for (unsigned i = 0; i < size; ++i) access_byte(uint32_t(port) + i, true, value >> (8 * i));
}

}  // namespace keel::vmm::dev
