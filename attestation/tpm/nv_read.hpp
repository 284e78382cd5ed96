// NV indices, read the way EK certificates are stored: in one index of at
// most a few kilobytes, readable with the index's own (empty) authorization
// or the owner's.
#pragma once

#include <tss2/tss2_esys.h>

#include <optional>

#include "attestation/evidence/bytes.hpp"

namespace keel::tpm {

// The whole contents of `index`; nullopt if it is not defined or was never
// written. Reads in pieces no larger than the TPM's TPM_PT_NV_BUFFER_MAX.
std::optional<evidence::Bytes> read_nv_index(ESYS_CONTEXT* context, TPM2_HANDLE index);

}  // namespace keel::tpm
