// Keys at persistent handles: found and checked, or put there.
#pragma once

#include <tss2/tss2_esys.h>

#include <optional>
#include <string>

#include "attestation/tpm/esys_handles.hpp"

namespace keel::tpm {

// The key at `handle`, or nullopt if the handle is empty. A key of another
// kind than `wanted` (key_templates.hpp) is not used: throws
// std::runtime_error naming the handle and `what` was expected there.
std::optional<EsysHandle> load_persistent(ESYS_CONTEXT* context, TPM2_HANDLE handle, const TPMT_PUBLIC& wanted,
                                          const std::string& what);

// Copies `transient` to `handle` with owner authorization; the transient
// copy is flushed.
EsysHandle make_persistent(ESYS_CONTEXT* context, EsysHandle transient, TPM2_HANDLE handle);

std::string handle_hex(TPM2_HANDLE handle);  // "0x81010001"

}  // namespace keel::tpm
