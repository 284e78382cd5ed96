// Domain IDs tag an IOMMU's cached translations, one per PD whose guest
// memory space devices use. 0 is the secure loader's (every blocked
// entry names it); IDs with bit 8 set are never handed out because QEMU 7.2
// refuses a device table entry that has them (its reserved-bit mask is
// wrong), which would block the device instead of translating it.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/assert.hpp"

namespace keel::x86::amd_iommu {

class DomainIds {
public:
    static constexpr bool usable(uint32_t id) { return id != 0 && id < 65536 && !(id & 0x100); }

    // A free ID, or 0 when all are in use.
    uint16_t allocate() {
        for (uint32_t id = 1; id < 65536; ++id)
            if (usable(id) && !(used_[id / 64] >> (id % 64) & 1)) {
                used_[id / 64] |= uint64_t(1) << (id % 64);
                return uint16_t(id);
            }
        return 0;
    }
    bool in_use(uint16_t id) const { return usable(id) && (used_[id / 64] >> (id % 64) & 1); }
    void free(uint16_t id) {
        KEEL_ASSERT(usable(id) && (used_[id / 64] >> (id % 64) & 1));
        used_[id / 64] &= ~(uint64_t(1) << (id % 64));
    }

private:
    uint64_t used_[65536 / 64] = {};
};

}  // namespace keel::x86::amd_iommu
