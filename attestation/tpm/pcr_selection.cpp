#include "attestation/tpm/pcr_selection.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace keel::tpm {
namespace {

bool is_selected(const TPMS_PCR_SELECTION& bank, std::uint32_t pcr) {
    return pcr / 8 < std::min<std::uint32_t>(bank.sizeofSelect, TPM2_PCR_SELECT_MAX) &&
           (bank.pcrSelect[pcr / 8] >> (pcr % 8)) & 1;
}

}  // namespace

std::vector<PcrSlot> slots(const TPML_PCR_SELECTION& selection) {
    std::vector<PcrSlot> ordered;
    for (std::uint32_t b = 0; b < selection.count && b < TPM2_NUM_PCR_BANKS; ++b) {
        const TPMS_PCR_SELECTION& bank = selection.pcrSelections[b];
        for (std::uint32_t pcr = 0; pcr < 8u * TPM2_PCR_SELECT_MAX; ++pcr)
            if (is_selected(bank, pcr)) ordered.push_back({bank.hash, pcr});
    }
    return ordered;
}

TPML_PCR_SELECTION select_in_banks(const TPML_PCR_SELECTION& allocated, const std::vector<std::uint32_t>& pcrs) {
    if (pcrs.empty()) throw std::invalid_argument("no PCRs to quote");
    TPML_PCR_SELECTION selection{};
    std::vector<bool> found(pcrs.size(), false);
    for (std::uint32_t b = 0; b < allocated.count && b < TPM2_NUM_PCR_BANKS; ++b) {
        const TPMS_PCR_SELECTION& bank = allocated.pcrSelections[b];
        TPMS_PCR_SELECTION chosen{};
        chosen.hash = bank.hash;
        chosen.sizeofSelect = bank.sizeofSelect;
        bool any = false;
        for (std::size_t i = 0; i < pcrs.size(); ++i) {
            if (!is_selected(bank, pcrs[i])) continue;
            chosen.pcrSelect[pcrs[i] / 8] |= static_cast<BYTE>(1u << (pcrs[i] % 8));
            found[i] = any = true;
        }
        if (any) selection.pcrSelections[selection.count++] = chosen;
    }
    for (std::size_t i = 0; i < pcrs.size(); ++i)
        if (!found[i]) throw std::invalid_argument("PCR " + std::to_string(pcrs[i]) + " is allocated in no bank");
    return selection;
}

void remove(TPML_PCR_SELECTION& selection, const TPML_PCR_SELECTION& done) {
    for (std::uint32_t d = 0; d < done.count && d < TPM2_NUM_PCR_BANKS; ++d) {
        const TPMS_PCR_SELECTION& read = done.pcrSelections[d];
        for (std::uint32_t b = 0; b < selection.count && b < TPM2_NUM_PCR_BANKS; ++b) {
            TPMS_PCR_SELECTION& bank = selection.pcrSelections[b];
            if (bank.hash != read.hash) continue;
            for (std::uint32_t i = 0; i < std::min<std::uint32_t>(read.sizeofSelect, TPM2_PCR_SELECT_MAX); ++i)
                bank.pcrSelect[i] &= static_cast<BYTE>(~read.pcrSelect[i]);
        }
    }
}

}  // namespace keel::tpm
