#include "attestation/tpm/quote.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "attestation/tpm/esys_handles.hpp"
#include "attestation/tpm/marshal.hpp"
#include "attestation/tpm/pcr_read.hpp"

namespace keel::tpm {
namespace {

constexpr int attempts = 5;

}  // namespace

Quote quote_pcrs(ESYS_CONTEXT* context, ESYS_TR ak, std::span<const std::uint8_t> nonce,
                 const TPML_PCR_SELECTION& selection) {
    TPM2B_DATA qualifying_data{};
    if (nonce.size() > 64)
        throw std::invalid_argument("quote nonce of " + std::to_string(nonce.size()) + " bytes: at most 64");
    qualifying_data.size = static_cast<UINT16>(nonce.size());
    std::copy(nonce.begin(), nonce.end(), qualifying_data.buffer);
    TPMT_SIG_SCHEME ak_scheme{};
    ak_scheme.scheme = TPM2_ALG_NULL;

    for (int attempt = 0; attempt < attempts; ++attempt) {
        PcrReading reading = read_pcrs(context, selection);
        EsysPtr<TPM2B_ATTEST> attest;
        EsysPtr<TPMT_SIGNATURE> signature;
        check(Esys_Quote(context, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying_data, &ak_scheme,
                         &selection, out(attest), out(signature)),
              "Esys_Quote");
        const std::uint32_t after = pcr_update_counter(context);
        if (!std::all_of(reading.update_counters.begin(), reading.update_counters.end(),
                         [after](std::uint32_t counter) { return counter == after; }))
            continue;
        Quote quote;
        quote.attest.assign(attest->attestationData, attest->attestationData + attest->size);
        quote.signature = marshal(*signature, Tss2_MU_TPMT_SIGNATURE_Marshal, "Tss2_MU_TPMT_SIGNATURE_Marshal");
        quote.pcr_selection =
            marshal(selection, Tss2_MU_TPML_PCR_SELECTION_Marshal, "Tss2_MU_TPML_PCR_SELECTION_Marshal");
        quote.pcr_values = std::move(reading.values);
        return quote;
    }
    throw std::runtime_error("PCRs changed while they were being quoted, " + std::to_string(attempts) +
                             " times in a row");
}

}  // namespace keel::tpm
