// TPM2_PCR_Read of any selection: a TPM returns at most 8 digests per call,
// so a selection of every PCR in three banks takes nine calls.
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <vector>

#include "attestation/evidence/bytes.hpp"

namespace keel::tpm {

struct PcrReading {
    std::vector<evidence::Bytes> values;  // a marshalled TPML_DIGEST per call, filling the selection in order
    std::vector<std::uint32_t> update_counters;  // pcrUpdateCounter per call
};

// Throws std::runtime_error if the TPM leaves PCRs of the selection out or
// answers a call with PCRs other than the next ones of the selection.
PcrReading read_pcrs(ESYS_CONTEXT* context, const TPML_PCR_SELECTION& selection);

// The TPM's pcrUpdateCounter, from a TPM2_PCR_Read of nothing.
std::uint32_t pcr_update_counter(ESYS_CONTEXT* context);

}  // namespace keel::tpm
