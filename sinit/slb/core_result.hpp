// What the SLB's core (the part SKINIT measures) hands to the loader it has
// just measured: the PCR banks it found and the loader's digest in each, as
// extended into PCR 17. Lives in the SLB's .bss, inside the 64 KiB SKINIT
// protects from DMA.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../../hypervisor/tpm/tpm2_command.hpp"

namespace keel::slb {

struct CoreResult {
    uint16_t algs[tpm::MAX_BANKS];
    size_t sizes[tpm::MAX_BANKS];
    size_t count;
    tpm::DigestList loader;  // H(loader) per bank, in `algs` order
};

}  // namespace keel::slb

// The loader's entry, called by the core once the loader is measured.
extern "C" [[noreturn]] void slb_loader_main(uint64_t base, const keel::slb::CoreResult* core);
