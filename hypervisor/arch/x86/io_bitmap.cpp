#include "hypervisor/arch/x86/io_bitmap.hpp"

#include "abi/capability.hpp"

namespace keel::x86 {

IoBitmap::IoBitmap(uint8_t* low, uint8_t* high) : half_{low, high} {
    for (uint64_t i = 0; i < HALF; ++i) low[i] = high[i] = 0xff;
}

void IoBitmap::set(uint64_t port, uint64_t count, bool denied) {
    for (uint64_t p = port; p < port + count && p < 0x10000; ++p) {
        uint8_t bit = uint8_t(1 << (p % 8));
        byte(p) = denied ? byte(p) | bit : byte(p) & ~bit;
    }
    // The TSS's window maps these very pages: a revoked port is gone
    // before the revocation returns.
}

bool IoBitmap::map(uint64_t port, uint64_t, uint64_t count, uint8_t perms) {
    set(port, count, !(perms & abi::perm::PIO_ACCESS));
    return true;
}

void IoBitmap::protect(uint64_t port, uint64_t count, uint8_t perms) {
    if (!(perms & abi::perm::PIO_ACCESS)) set(port, count, true);
}

void IoBitmap::unmap(uint64_t port, uint64_t count) { set(port, count, true); }

}  // namespace keel::x86
