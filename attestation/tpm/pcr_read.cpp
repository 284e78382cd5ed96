#include "attestation/tpm/pcr_read.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "attestation/tpm/esys_handles.hpp"
#include "attestation/tpm/marshal.hpp"
#include "attestation/tpm/pcr_selection.hpp"

namespace keel::tpm {

PcrReading read_pcrs(ESYS_CONTEXT* context, const TPML_PCR_SELECTION& selection) {
    const std::vector<PcrSlot> wanted = slots(selection);
    TPML_PCR_SELECTION remaining = selection;
    std::size_t filled = 0;
    PcrReading reading;
    while (filled < wanted.size()) {
        UINT32 counter = 0;
        EsysPtr<TPML_PCR_SELECTION> read;
        EsysPtr<TPML_DIGEST> digests;
        check(Esys_PCR_Read(context, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &remaining, &counter, out(read),
                            out(digests)),
              "Esys_PCR_Read");
        // The digests come in the order of the selection the TPM returns;
        // only if that is the next part of ours do the lists, concatenated,
        // fill our selection in order.
        const std::vector<PcrSlot> got = slots(*read);
        if (got.empty())
            throw std::runtime_error("TPM2_PCR_Read returned no values for " + std::to_string(wanted.size() - filled) +
                                     " selected PCRs");
        if (got.size() != digests->count)
            throw std::runtime_error("TPM2_PCR_Read returned " + std::to_string(digests->count) + " digests for " +
                                     std::to_string(got.size()) + " PCRs");
        if (got.size() > wanted.size() - filled || !std::equal(got.begin(), got.end(), wanted.begin() + filled))
            throw std::runtime_error("TPM2_PCR_Read returned PCRs that are not the next ones of the selection");
        filled += got.size();
        remove(remaining, *read);
        reading.values.push_back(marshal(*digests, Tss2_MU_TPML_DIGEST_Marshal, "Tss2_MU_TPML_DIGEST_Marshal"));
        reading.update_counters.push_back(counter);
    }
    return reading;
}

std::uint32_t pcr_update_counter(ESYS_CONTEXT* context) {
    const TPML_PCR_SELECTION nothing{};
    UINT32 counter = 0;
    check(Esys_PCR_Read(context, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nothing, &counter, nullptr, nullptr),
          "Esys_PCR_Read");
    return counter;
}

}  // namespace keel::tpm
