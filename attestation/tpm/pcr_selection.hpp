// TPML_PCR_SELECTION as the ordered list of (bank, PCR) a TPM fills PCR
// values for: banks in selection order, PCRs ascending in each bank.
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include <cstdint>
#include <vector>

namespace keel::tpm {

struct PcrSlot {
    TPMI_ALG_HASH bank = 0;
    std::uint32_t pcr = 0;
    bool operator==(const PcrSlot&) const = default;
};

std::vector<PcrSlot> slots(const TPML_PCR_SELECTION& selection);

// `pcrs` in every bank of `allocated` that has them allocated; banks that
// have none of them are left out. Throws std::invalid_argument if `pcrs` is
// empty or some PCR is allocated in no bank.
TPML_PCR_SELECTION select_in_banks(const TPML_PCR_SELECTION& allocated, const std::vector<std::uint32_t>& pcrs);

// Clears the PCRs of `done` in `selection` (banks stay, possibly empty).
void remove(TPML_PCR_SELECTION& selection, const TPML_PCR_SELECTION& done);

}  // namespace keel::tpm
