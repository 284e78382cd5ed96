// The EK and the AK: loaded from their persistent handles, or created (and,
// if asked, made persistent).
#pragma once

#include <tss2/tss2_esys.h>

#include "attestation/tpm/attester.hpp"
#include "attestation/tpm/esys_handles.hpp"

namespace keel::tpm {

// Without `persist`, persistent handles are neither read nor written: the
// keys are transient, gone when the returned handles are released.
EsysHandle load_ek(ESYS_CONTEXT* context, EkType type, bool persist);
EsysHandle load_ak(ESYS_CONTEXT* context, ESYS_TR ek, EkType ek_type, AkScheme scheme, bool persist);

}  // namespace keel::tpm
