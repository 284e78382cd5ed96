#include "hypervisor/arch/x86/svm/msr_permission_map.hpp"

#include "abi/capability.hpp"
#include "lib/assert.hpp"

namespace keel::x86::svm {
namespace {

constexpr size_t OUTSIDE = ~size_t(0);  // an MSR beyond the map's ranges: every access exits

// The read bit of an MSR (its write bit follows it).
size_t bit_of(uint64_t msr) {
    if (msr < 0x2000) return msr * 2;
    if (msr >= 0xc0000000 && msr < 0xc0002000) return 0x800 * 8 + (msr - 0xc0000000) * 2;
    if (msr >= 0xc0010000 && msr < 0xc0012000) return 0x1000 * 8 + (msr - 0xc0010000) * 2;
    return OUTSIDE;
}

}  // namespace

bool passable(uint64_t msr) {
    for (const MsrRange& r : PASS_THROUGH)
        if (msr >= r.first && msr < r.end) return true;
    return false;
}

MsrPermissionMap::MsrPermissionMap(uint8_t* map, void (*flush)()) : map_(map), flush_(flush) {
    for (size_t i = 0; i < PAGES * 4096; ++i) map_[i] = 0xff;
}

void MsrPermissionMap::set(uint64_t msr, uint8_t perms) {
    KEEL_ASSERT(passable(msr));  // the root task was given no other: nothing else reaches a PD
    size_t bit = bit_of(msr);
    uint8_t& byte = map_[bit / 8];
    const unsigned read = bit % 8, write = read + 1;
    byte = uint8_t((byte | 1u << read | 1u << write) &
                   ~((perms & abi::perm::MSR_R ? 1u << read : 0) | (perms & abi::perm::MSR_W ? 1u << write : 0)));
}

bool MsrPermissionMap::map(uint64_t msr, uint64_t, uint64_t count, uint8_t perms) {
    for (uint64_t i = 0; i < count; ++i) set(msr + i, perms);
    return true;
}

void MsrPermissionMap::protect(uint64_t msr, uint64_t count, uint8_t perms) {
    for (uint64_t i = 0; i < count; ++i) set(msr + i, perms);
    flush_();
}

void MsrPermissionMap::unmap(uint64_t msr, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) set(msr + i, 0);
    flush_();
}

bool MsrPermissionMap::intercepts_read(uint64_t msr) const {
    size_t bit = bit_of(msr);
    return bit == OUTSIDE || (map_[bit / 8] & (1u << (bit % 8)));
}

bool MsrPermissionMap::intercepts_write(uint64_t msr) const {
    size_t bit = bit_of(msr);
    return bit == OUTSIDE || (map_[(bit + 1) / 8] & (1u << ((bit + 1) % 8)));
}

bool MsrPermissionMap::mapped(uint64_t msr) const { return !intercepts_read(msr) || !intercepts_write(msr); }

}  // namespace keel::x86::svm
