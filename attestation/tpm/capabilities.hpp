// What the TPM says about itself (TPM2_GetCapability), asked for the few
// facts Attester needs.
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>

namespace keel::tpm {

// Whether a persistent object or NV index exists at `handle`: asked before
// touching it, so that an absent key is not an error the TSS logs.
bool handle_exists(ESYS_CONTEXT* context, TPM2_HANDLE handle);

// A TPM_PT_* property (TPM2_CAP_TPM_PROPERTIES); throws if the TPM does not report it.
std::uint32_t tpm_property(ESYS_CONTEXT* context, TPM2_PT property);

// The PCRs allocated in each bank (TPM2_CAP_PCRS), banks in the TPM's order,
// banks without any PCR left out.
TPML_PCR_SELECTION allocated_pcrs(ESYS_CONTEXT* context);

}  // namespace keel::tpm
