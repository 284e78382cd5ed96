// TPM2_Quote together with the PCR values it covers.
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <span>

#include "attestation/tpm/attester.hpp"

namespace keel::tpm {

// Reads `selection`, quotes it with `ak` (in the AK's own scheme) and reads
// pcrUpdateCounter again; the whole is repeated, up to 5 times, until no PCR
// changed in between, so the values returned are the ones quoted.
Quote quote_pcrs(ESYS_CONTEXT* context, ESYS_TR ak, std::span<const std::uint8_t> nonce,
                 const TPML_PCR_SELECTION& selection);

}  // namespace keel::tpm
