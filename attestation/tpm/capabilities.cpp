#include "attestation/tpm/capabilities.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "attestation/tpm/esys_handles.hpp"

namespace keel::tpm {
namespace {

EsysPtr<TPMS_CAPABILITY_DATA> get_capability(ESYS_CONTEXT* context, TPM2_CAP capability, std::uint32_t property,
                                             std::uint32_t count) {
    EsysPtr<TPMS_CAPABILITY_DATA> data;
    TPMI_YES_NO more = TPM2_NO;
    check(Esys_GetCapability(context, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, capability, property, count, &more,
                             out(data)),
          "Esys_GetCapability");
    return data;
}

}  // namespace

bool handle_exists(ESYS_CONTEXT* context, TPM2_HANDLE handle) {
    // The TPM answers with the handles at or after `handle`.
    auto data = get_capability(context, TPM2_CAP_HANDLES, handle, 1);
    const TPML_HANDLE& handles = data->data.handles;
    return handles.count > 0 && handles.handle[0] == handle;
}

std::uint32_t tpm_property(ESYS_CONTEXT* context, TPM2_PT property) {
    auto data = get_capability(context, TPM2_CAP_TPM_PROPERTIES, property, 1);
    const TPML_TAGGED_TPM_PROPERTY& properties = data->data.tpmProperties;
    if (properties.count == 0 || properties.tpmProperty[0].property != property)
        throw std::runtime_error("the TPM does not report property " + std::to_string(property));
    return properties.tpmProperty[0].value;
}

TPML_PCR_SELECTION allocated_pcrs(ESYS_CONTEXT* context) {
    auto data = get_capability(context, TPM2_CAP_PCRS, 0, TPM2_NUM_PCR_BANKS);
    const TPML_PCR_SELECTION& assigned = data->data.assignedPCR;
    TPML_PCR_SELECTION banks{};
    for (std::uint32_t i = 0; i < assigned.count && i < TPM2_NUM_PCR_BANKS; ++i) {
        const TPMS_PCR_SELECTION& bank = assigned.pcrSelections[i];
        std::uint8_t size = std::min<std::uint8_t>(bank.sizeofSelect, TPM2_PCR_SELECT_MAX);
        if (std::any_of(bank.pcrSelect, bank.pcrSelect + size, [](BYTE b) { return b != 0; }))
            banks.pcrSelections[banks.count++] = bank;
    }
    return banks;
}

}  // namespace keel::tpm
