#include "hypervisor/kernel/root_grant.hpp"

#include "lib/assert.hpp"

namespace keel {
namespace {

constexpr uint64_t PAGE = 4096;

// Appends [base, end) minus every kept range, recursively splitting.
void subtract(uint64_t base, uint64_t end, const GrantRange* kept, size_t kept_count, GrantRange* out, size_t cap,
              size_t& n) {
    for (size_t k = 0; k < kept_count; ++k) {
        uint64_t kb = kept[k].base & ~(PAGE - 1), ke = (kept[k].end + PAGE - 1) & ~(PAGE - 1);
        if (ke <= base || kb >= end) continue;
        // Split around it; the rest of the kept list applies to both sides.
        if (kb > base) subtract(base, kb, kept + k + 1, kept_count - k - 1, out, cap, n);
        if (ke < end) subtract(ke, end, kept + k + 1, kept_count - k - 1, out, cap, n);
        return;
    }
    if (base >= end) return;
    if (n < cap) out[n] = {base, end};
    ++n;
}

}  // namespace

size_t root_memory(const mb2::BootInfo& info, const GrantRange* kept, size_t kept_count, GrantRange* out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < mb2::memory_map_entries(info); ++i) {
        mb2::MemoryRegion r = mb2::memory_map_entry(info, i);
        if (r.type != uint32_t(mb2::MemoryType::Usable) || r.length == 0 || r.base + r.length < r.base) continue;
        uint64_t base = (r.base + PAGE - 1) & ~(PAGE - 1), end = (r.base + r.length) & ~(PAGE - 1);
        if (base < end) subtract(base, end, kept, kept_count, out, cap, n);
    }
    return n > cap ? cap + 1 : n;
}

bool device_memory_grantable(const mb2::BootInfo& info, const GrantRange* kept, size_t kept_count, uint64_t base,
                             uint64_t size) {
    uint64_t end = base + size;
    if (!base || !size || (base | size) & (PAGE - 1) || end < base) return false;
    auto overlaps = [&](uint64_t b, uint64_t e) { return b < end && base < e; };
    if (overlaps(PLATFORM_WINDOW.base, PLATFORM_WINDOW.end)) return false;
    for (size_t k = 0; k < kept_count; ++k)
        if (overlaps(kept[k].base & ~(PAGE - 1), (kept[k].end + PAGE - 1) & ~(PAGE - 1))) return false;
    for (size_t i = 0; i < mb2::memory_map_entries(info); ++i) {
        mb2::MemoryRegion r = mb2::memory_map_entry(info, i);
        if (r.type == uint32_t(mb2::MemoryType::Reserved)) continue;
        if (r.base + r.length < r.base || overlaps(r.base, r.base + r.length)) return false;
    }
    return true;
}

size_t root_ports(uint16_t debug_exit, GrantRange* out, size_t cap) {
    GrantRange kernel[sizeof KERNEL_PORTS / sizeof KERNEL_PORTS[0] + 1];
    size_t count = 0;
    for (const auto& r : KERNEL_PORTS) kernel[count++] = r;
    if (debug_exit) kernel[count++] = {debug_exit, uint64_t(debug_exit) + 1};
    // Sorted by base, the gaps between them are the root's.
    for (size_t i = 1; i < count; ++i)
        for (size_t j = i; j > 0 && kernel[j].base < kernel[j - 1].base; --j) {
            GrantRange t = kernel[j];
            kernel[j] = kernel[j - 1];
            kernel[j - 1] = t;
        }
    size_t n = 0;
    uint64_t at = 0;
    for (size_t i = 0; i < count; ++i) {
        if (kernel[i].base > at) {
            KEEL_ASSERT(n < cap);
            out[n++] = {at, kernel[i].base};
        }
        if (kernel[i].end > at) at = kernel[i].end;
    }
    if (at < 0x10000) {
        KEEL_ASSERT(n < cap);
        out[n++] = {at, 0x10000};
    }
    return n;
}

}  // namespace keel
