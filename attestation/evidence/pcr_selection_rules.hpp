// What every PCR selection in evidence obeys, wherever it was read from (TPM
// marshalling or tpm2-tools' memory dump): the bitmap meaning of pcrSelect,
// and one entry per bank, since PcrValues and the verifier's policy are keyed
// by bank.
#pragma once

#include <cstdint>
#include <span>

#include "attestation/evidence/tpm_types.hpp"

namespace keel::evidence {

// Bit i of byte j selects PCR 8j+i. Callers bound the bitmap to
// TPM2_PCR_SELECT_MAX (4) bytes, so indices stay below 32.
PcrSelection selection_from_bitmap(std::uint16_t hash_alg, std::span<const std::uint8_t> bitmap);

// Throws ParseError ("<structure>: bank sha256 appears twice") on a repeated
// bank, or on PCR indices that are not ascending and below 32 (possible only
// in selections built by hand).
void check_selection(std::span<const PcrSelection> selection, const char* structure);

}  // namespace keel::evidence
