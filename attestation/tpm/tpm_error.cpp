#include <tss2/tss2_rc.h>

#include "attestation/tpm/attester.hpp"

namespace keel::tpm {

TpmError::TpmError(const std::string& call, std::uint32_t rc)
    : std::runtime_error(call + ": " + Tss2_RC_Decode(rc)), rc_(rc) {}

}  // namespace keel::tpm
