// Authorization sessions for the EK, whose authPolicy is
// PolicySecret(TPM_RH_ENDORSEMENT) and which therefore cannot be used with a
// password.
#pragma once

#include <tss2/tss2_esys.h>

#include "attestation/tpm/esys_handles.hpp"

namespace keel::tpm {

// A policy session that satisfies the EK's policy, good for one command: the
// TPM resets its policy once it has authorized something. Flushed when the
// returned handle goes out of scope.
EsysHandle endorsement_policy_session(ESYS_CONTEXT* context);

}  // namespace keel::tpm
