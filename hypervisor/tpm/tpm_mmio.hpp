// Where the TPM's TIS registers live, and which part of them only the
// hypervisor may touch: localities 1-4 can extend the DRTM PCRs 17-22, so no
// guest or user component may ever have them mapped.
#pragma once
#include <stdint.h>

#include "abi/hip.hpp"

namespace keel::tpm {

constexpr uint64_t TIS_BASE = abi::TPM_LOCALITY0;
constexpr uint64_t LOCALITY_SIZE = 0x1000;
constexpr uint64_t PRIVILEGED_BASE = TIS_BASE + LOCALITY_SIZE;  // locality 1
constexpr uint64_t PRIVILEGED_END = TIS_BASE + 5 * LOCALITY_SIZE;  // end of locality 4

// True if [base, base + size) reaches into localities 1-4.
constexpr bool touches_privileged_localities(uint64_t base, uint64_t size) {
    if (size == 0) return false;
    uint64_t last = base + size - 1;
    if (last < base) return true;  // wraps around: covers everything
    return base < PRIVILEGED_END && last >= PRIVILEGED_BASE;
}

}  // namespace keel::tpm
